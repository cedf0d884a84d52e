/**
 * POST /keys/device_signing/upload and /keys/signatures/upload (cross_signing.yaml).
 * Replacing existing cross-signing keys needs user-interactive auth; the first
 * upload (no keys yet) and re-uploading the very same keys do not, as the spec allows.
 */
import { Errors, MatrixError, canonicalJson, verifyJsonSignature } from '@lattice/core';
import {
  listDevices,
  methodNotAllowed,
  objectBody,
  requesterOf,
  requireAuth,
  requireUserInteractiveAuth,
} from '@lattice/client-api';
import { Router, type Request, type Response } from 'express';
import { announceDeviceListChange, recordDeviceListChange } from '../device-lists/device-list-changes.js';
import { validateCrossSigningKey, type ValidCrossSigningKey } from '../keys/cross-signing-validation.js';
import { isObject, type JsonObject } from '../keys/key-validation.js';
import type { E2eeServices } from '../services.js';
import { addSignatures, putCrossSigningKey, userCrossSigningKeys, type CrossSigningKeyType, type StoredSignature } from '../stores/cross-signing.js';
import { getDeviceKeys } from '../stores/device-keys.js';

const FIELDS: ReadonlyArray<[string, CrossSigningKeyType]> = [
  ['master_key', 'master'],
  ['self_signing_key', 'self_signing'],
  ['user_signing_key', 'user_signing'],
];

const invalidSignature = (msg: string) => new MatrixError(400, 'M_INVALID_SIGNATURE', msg);

/** The signed content of a key, without signatures and unsigned data. */
function signedPart(obj: JsonObject): string {
  const { signatures: _s, unsigned: _u, ...rest } = obj;
  return canonicalJson(rest);
}

export function crossSigningRouter(services: E2eeServices): Router {
  const { ctx } = services;
  const router = Router();
  const auth = requireAuth(ctx);

  async function uploadSigningKeys(req: Request, res: Response): Promise<void> {
    const { userId } = requesterOf(req);
    const body = objectBody(req);
    const uploaded: ValidCrossSigningKey[] = [];
    for (const [field, type] of FIELDS) {
      if (body[field] != null) uploaded.push(validateCrossSigningKey(body[field], field, type, userId));
    }
    const existing = await userCrossSigningKeys(ctx.db, userId);
    const master = uploaded.find((k) => k.type === 'master')?.publicKey ?? existing.get('master')?.publicKey;
    if (uploaded.some((k) => k.type !== 'master') && master === undefined) {
      throw Errors.missingParam('master_key');
    }
    for (const key of uploaded) {
      if (key.type !== 'master' && !verifyJsonSignature(key.json, userId, `ed25519:${master}`, master!)) {
        throw invalidSignature(`The ${key.type} key is not signed by the master key`);
      }
    }
    const deviceIds = new Set((await listDevices(ctx.db, userId)).map((d) => d.deviceId));
    if (uploaded.some((k) => deviceIds.has(k.publicKey))) throw Errors.forbidden('Key ID in use');

    const unchanged = uploaded.every((k) => existing.get(k.type)?.canonical === canonicalJson(k.json));
    // Replacing keys proves the account's password; a first upload or a repeat need not.
    const uia = existing.size > 0 && !unchanged ? await requireUserInteractiveAuth(ctx, req, body, { flows: [['m.login.password']], userId }) : undefined;
    if (!unchanged) {
      const position = await services.deviceListsWriter.write(ctx.db, async (tx, pos) => {
        for (const key of uploaded) await putCrossSigningKey(tx, userId, key.type, key.publicKey, key.json);
        return recordDeviceListChange(tx, pos, userId, { crossSigning: true });
      });
      await services.afterWrite(userId, 'device_lists', position);
    }
    await uia?.finish();
    res.json({});
  }

  async function uploadSignatures(req: Request, res: Response): Promise<void> {
    const { userId } = requesterOf(req);
    const body = objectBody(req);
    const mine = await userCrossSigningKeys(ctx.db, userId);
    const failures: Record<string, Record<string, { errcode: string; error: string }>> = {};
    const fail = (user: string, keyId: string, errcode: string, error: string) => {
      (failures[user] ??= {})[keyId] = { errcode, error };
    };
    const accepted: StoredSignature[] = [];
    const otherUsers = new Set<string>();
    // The requester's own keys that got signatures: its devices, its master key.
    const signedDevices = new Set<string>();
    let masterSigned = false;

    /** Signatures of `obj` by the requester under `signerKeyId`, verified with `publicKey`; records a failure otherwise. */
    const take = (target: string, keyId: string, obj: JsonObject, signers: ReadonlyArray<[string, string]>): StoredSignature[] => {
      const found: StoredSignature[] = [];
      const own = isObject(obj.signatures) && isObject(obj.signatures[userId]) ? (obj.signatures[userId] as JsonObject) : {};
      for (const [signerKeyId, publicKey] of signers) {
        const signature = own[signerKeyId];
        if (typeof signature !== 'string') continue;
        if (!verifyJsonSignature(obj, userId, signerKeyId, publicKey)) {
          fail(target, keyId, 'M_INVALID_SIGNATURE', `Invalid signature by ${signerKeyId}`);
          return [];
        }
        found.push({ signerUserId: userId, signerKeyId, targetUserId: target, targetKey: keyId, signature });
      }
      if (found.length === 0) fail(target, keyId, 'M_INVALID_SIGNATURE', 'No signature by a key of the requester that may sign this key');
      return found;
    };

    for (const [target, keys] of Object.entries(body)) {
      if (!isObject(keys)) throw Errors.badJson(`'${target}' must map key IDs to signed keys`);
      const targetKeys = target === userId ? mine : await userCrossSigningKeys(ctx.db, target);
      for (const [keyId, obj] of Object.entries(keys)) {
        if (!isObject(obj)) {
          fail(target, keyId, 'M_BAD_JSON', 'The signed key must be an object');
          continue;
        }
        const master = targetKeys.get('master');
        if (target === userId && master?.publicKey !== keyId) {
          // One of the requester's devices, signed with its self-signing key.
          const device = await getDeviceKeys(ctx.db, userId, keyId);
          const ssk = mine.get('self_signing');
          if (!device) fail(target, keyId, 'M_NOT_FOUND', 'Unknown device');
          else if (!ssk) fail(target, keyId, 'M_INVALID_SIGNATURE', 'No self-signing key');
          else if (signedPart(device) !== signedPart(obj)) fail(target, keyId, 'M_INVALID_SIGNATURE', 'The key does not match the stored device keys');
          else {
            const got = take(target, keyId, obj, [[`ed25519:${ssk.publicKey}`, ssk.publicKey]]);
            accepted.push(...got);
            if (got.length > 0) signedDevices.add(keyId);
          }
        } else if (target === userId) {
          // The requester's master key, signed by its devices.
          if (signedPart(master!.json) !== signedPart(obj)) {
            fail(target, keyId, 'M_INVALID_SIGNATURE', 'The key does not match the stored master key');
            continue;
          }
          const signers: Array<[string, string]> = [];
          const own = isObject(obj.signatures) && isObject(obj.signatures[userId]) ? Object.keys(obj.signatures[userId] as JsonObject) : [];
          for (const signerKeyId of own) {
            if (!signerKeyId.startsWith('ed25519:') || signerKeyId === `ed25519:${keyId}`) continue;
            const device = await getDeviceKeys(ctx.db, userId, signerKeyId.slice('ed25519:'.length));
            const pub = (device?.keys as Record<string, string> | undefined)?.[signerKeyId];
            if (pub !== undefined) signers.push([signerKeyId, pub]);
          }
          const got = take(target, keyId, obj, signers);
          accepted.push(...got);
          masterSigned ||= got.length > 0;
        } else {
          // Another user's master key, signed with the requester's user-signing key.
          const usk = mine.get('user_signing');
          if (!master || master.publicKey !== keyId) fail(target, keyId, 'M_NOT_FOUND', 'Unknown master key');
          else if (!usk) fail(target, keyId, 'M_INVALID_SIGNATURE', 'No user-signing key');
          else if (signedPart(master.json) !== signedPart(obj)) fail(target, keyId, 'M_INVALID_SIGNATURE', 'The key does not match the stored master key');
          else {
            const got = take(target, keyId, obj, [[`ed25519:${usk.publicKey}`, usk.publicKey]]);
            accepted.push(...got);
            if (got.length > 0) otherUsers.add(target);
          }
        }
      }
    }
    await addSignatures(ctx.db, accepted);
    if (signedDevices.size > 0 || masterSigned) {
      await announceDeviceListChange(services, userId, { deviceIds: [...signedDevices], crossSigning: masterSigned });
    }
    for (const other of otherUsers) await announceDeviceListChange(services, other, { observer: userId });
    res.json({ failures });
  }

  router.route('/keys/device_signing/upload').post(auth, uploadSigningKeys).all(methodNotAllowed);
  router.route('/keys/signatures/upload').post(auth, uploadSignatures).all(methodNotAllowed);
  return router;
}
