/**
 * The cached device lists of remote users we share a room with
 * (migrations/0027): filled from their server's /user/devices, kept current by
 * its m.device_list_update and m.signing_key_update EDUs, and read by
 * /keys/query instead of asking that server again.
 */
import type { Queryable } from '@lattice/storage';

type Json = Record<string, unknown>;

export interface CachedList {
  streamId: number;
  stale: boolean;
}

export interface RemoteDevice {
  deviceId: string;
  displayName?: string;
  /** The device's keys; undefined when it has none. */
  keys?: Json;
}

export interface RemoteDeviceList {
  streamId: number;
  devices: readonly RemoteDevice[];
  masterKey?: Json;
  selfSigningKey?: Json;
}

export interface CachedKeys {
  device_keys: Record<string, Record<string, Json>>;
  master_keys: Record<string, Json>;
  self_signing_keys: Record<string, Json>;
}

const json = (v: Json | undefined) => (v === undefined ? null : JSON.stringify(v));

/** The user's cached list, locked for the caller's transaction when `lock`. */
export async function cachedList(db: Queryable, userId: string, lock = false): Promise<CachedList | undefined> {
  const { rows } = await db.query<{ stream_id: string | number; stale: boolean }>(
    `SELECT stream_id, stale FROM remote_device_lists WHERE user_id = $1${lock ? ' FOR UPDATE' : ''}`,
    [userId],
  );
  return rows[0] && { streamId: Number(rows[0].stream_id), stale: rows[0].stale };
}

/** The users among `userIds` whose cached list is current. */
export async function freshLists(db: Queryable, userIds: readonly string[]): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const { rows } = await db.query<{ user_id: string }>('SELECT user_id FROM remote_device_lists WHERE user_id = ANY($1::text[]) AND NOT stale', [
    userIds,
  ]);
  return new Set(rows.map((r) => r.user_id));
}

/** Replaces the user's cached list with a fresh copy. */
export async function replaceList(tx: Queryable, userId: string, list: RemoteDeviceList): Promise<void> {
  // The upsert first: a concurrent replacement waits on the row until this one commits.
  await tx.query(
    `INSERT INTO remote_device_lists (user_id, stream_id, stale, master_key, self_signing_key) VALUES ($1, $2, FALSE, $3, $4)
     ON CONFLICT (user_id) DO UPDATE SET stream_id = $2, stale = FALSE, master_key = $3, self_signing_key = $4`,
    [userId, list.streamId, json(list.masterKey), json(list.selfSigningKey)],
  );
  await tx.query('DELETE FROM remote_device_keys WHERE user_id = $1', [userId]);
  if (list.devices.length === 0) return;
  await tx.query(
    `INSERT INTO remote_device_keys (user_id, device_id, display_name, key_json)
     SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[]) ON CONFLICT DO NOTHING`,
    [userId, list.devices.map((d) => d.deviceId), list.devices.map((d) => d.displayName ?? null), list.devices.map((d) => json(d.keys))],
  );
}

/** Applies one device's update at `streamId` (a deleted device goes). */
export async function applyDeviceUpdate(tx: Queryable, userId: string, streamId: number, device: RemoteDevice, deleted: boolean): Promise<void> {
  if (deleted) {
    await tx.query('DELETE FROM remote_device_keys WHERE user_id = $1 AND device_id = $2', [userId, device.deviceId]);
  } else {
    await tx.query(
      `INSERT INTO remote_device_keys (user_id, device_id, display_name, key_json) VALUES ($1, $2, $3, $4)
       ON CONFLICT (user_id, device_id) DO UPDATE SET display_name = EXCLUDED.display_name, key_json = EXCLUDED.key_json`,
      [userId, device.deviceId, device.displayName ?? null, json(device.keys)],
    );
  }
  await tx.query('UPDATE remote_device_lists SET stream_id = $2 WHERE user_id = $1', [userId, streamId]);
}

/** Replaces the cross-signing keys that came (an absent one is kept). */
export async function updateSigningKeys(tx: Queryable, userId: string, masterKey: Json | undefined, selfSigningKey: Json | undefined): Promise<void> {
  await tx.query(
    `UPDATE remote_device_lists SET master_key = COALESCE($2, master_key), self_signing_key = COALESCE($3, self_signing_key)
     WHERE user_id = $1`,
    [userId, json(masterKey), json(selfSigningKey)],
  );
}

export async function markStale(tx: Queryable, userId: string): Promise<void> {
  await tx.query('UPDATE remote_device_lists SET stale = TRUE WHERE user_id = $1', [userId]);
}

/** Forgets lists no update will keep current any more (their users share no room with ours). */
export async function dropLists(db: Queryable, userIds: readonly string[]): Promise<void> {
  if (userIds.length > 0) await db.query('DELETE FROM remote_device_lists WHERE user_id = ANY($1::text[])', [userIds]);
}

/** /keys/query's answer from the cache: user → device ids ([] = all). */
export async function keysFromCache(db: Queryable, users: ReadonlyMap<string, readonly string[]>): Promise<CachedKeys> {
  const result: CachedKeys = { device_keys: {}, master_keys: {}, self_signing_keys: {} };
  if (users.size === 0) return result;
  const userIds = [...users.keys()];
  const [devices, lists] = await Promise.all([
    db.query<{ user_id: string; device_id: string; display_name: string | null; key_json: string }>(
      'SELECT user_id, device_id, display_name, key_json FROM remote_device_keys WHERE user_id = ANY($1::text[]) AND key_json IS NOT NULL',
      [userIds],
    ),
    db.query<{ user_id: string; master_key: string | null; self_signing_key: string | null }>(
      'SELECT user_id, master_key, self_signing_key FROM remote_device_lists WHERE user_id = ANY($1::text[])',
      [userIds],
    ),
  ]);
  for (const userId of userIds) result.device_keys[userId] = {};
  for (const d of devices.rows) {
    const wanted = users.get(d.user_id)!;
    if (wanted.length > 0 && !wanted.includes(d.device_id)) continue;
    const keys = JSON.parse(d.key_json) as Json;
    const unsigned = { ...((keys.unsigned as Json | undefined) ?? {}) };
    if (d.display_name !== null) unsigned.device_display_name = d.display_name;
    result.device_keys[d.user_id]![d.device_id] = { ...keys, unsigned };
  }
  for (const l of lists.rows) {
    if (l.master_key !== null) result.master_keys[l.user_id] = JSON.parse(l.master_key) as Json;
    if (l.self_signing_key !== null) result.self_signing_keys[l.user_id] = JSON.parse(l.self_signing_key) as Json;
  }
  return result;
}
