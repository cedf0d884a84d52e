/**
 * POST /keys/upload, /keys/query, /keys/claim and GET /keys/changes (keys.yaml).
 * Uploads are validated completely before anything is written; a device key
 * change is announced on the device_lists stream in the same transaction.
 */
import { Errors } from '@lattice/core';
import { methodNotAllowed, objectBody, requesterOf, requireAuth } from '@lattice/client-api';
import { SyncToken } from '@lattice/replication';
import { Router, type Request, type Response } from 'express';
import { recordDeviceListChange, joinedRoomsOf } from '../device-lists/device-list-changes.js';
import { deviceListUpdates } from '../device-lists/device-list-updates.js';
import { isObject } from '../keys/key-validation.js';
import { parseKeyUpload, writeKeyUpload } from '../keys/key-upload.js';
import { queryLocalKeys } from '../keys/key-query.js';
import { splitByServer } from '../keys/local-users.js';
import type { E2eeServices } from '../services.js';
import { claimKeys, type ClaimRequest } from '../stores/key-claims.js';
import { oneTimeKeyCounts } from '../stores/device-keys.js';

/** How long /keys/query and /keys/claim wait for other servers by default (keys.yaml: 10 seconds). */
const DEFAULT_TIMEOUT_MS = 10_000;

function timeoutOf(body: Record<string, unknown>): number {
  const t = body.timeout;
  if (t === undefined || t === null) return DEFAULT_TIMEOUT_MS;
  if (typeof t !== 'number' || !Number.isInteger(t) || t < 0) throw Errors.invalidParam("'timeout' must be a non-negative integer");
  return Math.min(t, 60_000);
}

function requireBodyObject(body: Record<string, unknown>, key: string): Record<string, unknown> {
  const v = body[key];
  if (v === undefined || v === null) throw Errors.missingParam(key);
  if (!isObject(v)) throw Errors.badJson(`'${key}' must be an object`);
  return v;
}

function parseTokenParam(req: Request, name: string): SyncToken {
  const v = (req.query as Record<string, unknown>)[name];
  if (v === undefined) throw Errors.missingParam(name);
  if (typeof v !== 'string') throw Errors.invalidParam(`'${name}' must be a token`);
  return SyncToken.parse(v);
}

export function keysRouter(services: E2eeServices): Router {
  const { ctx } = services;
  const router = Router();
  const auth = requireAuth(ctx);

  async function upload(req: Request, res: Response): Promise<void> {
    const { userId, deviceId } = requesterOf(req);
    const upload = await parseKeyUpload(ctx.db, userId, deviceId, objectBody(req));
    if (upload.deviceKeys) {
      const position = await services.deviceListsWriter.write(ctx.db, async (tx, pos) =>
        (await writeKeyUpload(tx, upload)) ? recordDeviceListChange(tx, pos, userId, { deviceIds: [deviceId] }) : [],
      );
      await services.afterWrite(userId, 'device_lists', position);
    } else if (upload.oneTimeKeys.length > 0 || upload.fallbackKeys.length > 0) {
      await ctx.db.transaction((tx) => writeKeyUpload(tx, upload));
    }
    res.json({ one_time_key_counts: await oneTimeKeyCounts(ctx.db, userId, deviceId) });
  }

  async function query(req: Request, res: Response): Promise<void> {
    const { userId } = requesterOf(req);
    const body = objectBody(req);
    const requested = requireBodyObject(body, 'device_keys');
    const timeoutMs = timeoutOf(body);
    for (const [user, devices] of Object.entries(requested)) {
      if (!Array.isArray(devices) || !devices.every((d) => typeof d === 'string')) {
        throw Errors.badJson(`'device_keys.${user}' must be an array of device IDs`);
      }
    }
    const { local, remote } = splitByServer(requested as Record<string, string[]>, ctx.config.server_name, 'device_keys');
    await services.beforeRead(userId);
    const [mine, theirs] = await Promise.all([
      queryLocalKeys(ctx.db, userId, local),
      Object.keys(remote).length > 0 ? services.remote.queryKeys(remote, timeoutMs) : undefined,
    ]);
    res.json({
      device_keys: { ...theirs?.device_keys, ...mine.device_keys },
      master_keys: { ...theirs?.master_keys, ...mine.master_keys },
      self_signing_keys: { ...theirs?.self_signing_keys, ...mine.self_signing_keys },
      user_signing_keys: mine.user_signing_keys,
      failures: theirs?.failures ?? {},
    });
  }

  async function claim(req: Request, res: Response): Promise<void> {
    const body = objectBody(req);
    const requested = requireBodyObject(body, 'one_time_keys');
    const timeoutMs = timeoutOf(body);
    for (const [user, devices] of Object.entries(requested)) {
      if (!isObject(devices) || !Object.values(devices).every((a) => typeof a === 'string')) {
        throw Errors.badJson(`'one_time_keys.${user}' must map device IDs to algorithms`);
      }
    }
    const { local, remote } = splitByServer(requested as Record<string, Record<string, string>>, ctx.config.server_name, 'one_time_keys');
    const requests: ClaimRequest[] = [];
    for (const [user, devices] of local) {
      for (const [device, algorithm] of Object.entries(devices)) requests.push({ userId: user, deviceId: device, algorithm });
    }
    const [claimed, theirs] = await Promise.all([
      claimKeys(ctx.db, requests),
      Object.keys(remote).length > 0 ? services.remote.claimKeys(remote, timeoutMs) : undefined,
    ]);
    const oneTimeKeys: Record<string, Record<string, Record<string, unknown>>> = { ...theirs?.one_time_keys };
    for (const c of claimed) {
      ((oneTimeKeys[c.userId] ??= {})[c.deviceId] ??= {})[`${c.algorithm}:${c.keyId}`] = JSON.parse(c.keyJson) as unknown;
    }
    res.json({ one_time_keys: oneTimeKeys, failures: theirs?.failures ?? {} });
  }

  async function changes(req: Request, res: Response): Promise<void> {
    const { userId } = requesterOf(req);
    const from = parseTokenParam(req, 'from');
    const to = parseTokenParam(req, 'to');
    await services.beforeRead(userId);
    const joined = await joinedRoomsOf(ctx.db, userId);
    const updates = await deviceListUpdates(ctx.db, userId, joined, {
      deviceLists: { from: from.get('device_lists').min, to: to.get('device_lists').max },
      events: { from: from.get('events').min, to: to.get('events').max },
    });
    res.json(updates);
  }

  router.route('/keys/upload').post(auth, upload).all(methodNotAllowed);
  router.route('/keys/query').post(auth, query).all(methodNotAllowed);
  router.route('/keys/claim').post(auth, claim).all(methodNotAllowed);
  router.route('/keys/changes').get(auth, changes).all(methodNotAllowed);
  return router;
}
