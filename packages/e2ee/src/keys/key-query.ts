/**
 * POST /keys/query for local users: device keys (with uploaded signatures
 * merged in and the device's display name in `unsigned`), master and
 * self-signing keys of every user asked for, and the requester's own
 * user-signing key. A user-signing signature on someone's master key is shown
 * only to its signer (and the key's owner), as other servers do.
 */
import type { Queryable } from '@lattice/storage';
import type { JsonObject } from './key-validation.js';
import { deviceKeysOf } from '../stores/device-keys.js';
import { crossSigningKeysOf, signaturesOn, withSignatures, type StoredSignature } from '../stores/cross-signing.js';

export interface LocalKeysResult {
  device_keys: Record<string, Record<string, JsonObject>>;
  master_keys: Record<string, JsonObject>;
  self_signing_keys: Record<string, JsonObject>;
  user_signing_keys: Record<string, JsonObject>;
}

export async function queryLocalKeys(
  db: Queryable,
  requester: string,
  users: ReadonlyMap<string, readonly string[]>,
): Promise<LocalKeysResult> {
  const result: LocalKeysResult = { device_keys: {}, master_keys: {}, self_signing_keys: {}, user_signing_keys: {} };
  if (users.size === 0) return result;
  const userIds = [...users.keys()];
  const types = users.has(requester) ? undefined : (['master', 'self_signing'] as const);
  const [devices, crossSigning, signatures] = await Promise.all([
    deviceKeysOf(db, users),
    crossSigningKeysOf(db, userIds, types),
    signaturesOn(db, userIds),
  ]);
  const byTarget = new Map<string, StoredSignature[]>();
  for (const s of signatures) {
    const key = `${s.targetUserId}\u0000${s.targetKey}`;
    let list = byTarget.get(key);
    if (!list) byTarget.set(key, (list = []));
    list.push(s);
  }
  const signaturesFor = (userId: string, target: string) => byTarget.get(`${userId}\u0000${target}`) ?? [];

  for (const userId of userIds) result.device_keys[userId] = {};
  for (const d of devices) {
    const keys = withSignatures(d.keys, signaturesFor(d.userId, d.deviceId));
    const unsigned = { ...((keys.unsigned as JsonObject | undefined) ?? {}) };
    if (d.displayName !== null) unsigned.device_display_name = d.displayName;
    result.device_keys[d.userId]![d.deviceId] = { ...keys, unsigned };
  }
  for (const k of crossSigning) {
    if (k.type === 'master') {
      const visible = signaturesFor(k.userId, k.publicKey).filter((s) => s.signerUserId === k.userId || s.signerUserId === requester);
      result.master_keys[k.userId] = withSignatures(k.json, visible);
    } else if (k.type === 'self_signing') {
      result.self_signing_keys[k.userId] = k.json;
    } else if (k.userId === requester) {
      result.user_signing_keys[k.userId] = k.json;
    }
  }
  return result;
}
