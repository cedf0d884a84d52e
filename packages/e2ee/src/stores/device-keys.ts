/**
 * Device keys, one-time keys and fallback keys of local devices. Keys are
 * stored as canonical JSON, so "the same key again" is a string comparison.
 */
import { Errors, canonicalJson } from '@lattice/core';
import type { Queryable } from '@lattice/storage';
import type { JsonObject, UploadedKey } from '../keys/key-validation.js';

export async function getDeviceKeys(db: Queryable, userId: string, deviceId: string): Promise<JsonObject | undefined> {
  const { rows } = await db.query<{ key_json: string }>(
    'SELECT key_json FROM e2e_device_keys WHERE user_id = $1 AND device_id = $2',
    [userId, deviceId],
  );
  return rows[0] && (JSON.parse(rows[0].key_json) as JsonObject);
}

/** Stores the device's keys; false when the very same keys were stored already. */
export async function putDeviceKeys(db: Queryable, userId: string, deviceId: string, keys: JsonObject): Promise<boolean> {
  const json = canonicalJson(keys);
  const { rowCount } = await db.query(
    `INSERT INTO e2e_device_keys (user_id, device_id, key_json, ts) VALUES ($1, $2, $3, $4)
     ON CONFLICT (user_id, device_id) DO UPDATE SET key_json = EXCLUDED.key_json, ts = EXCLUDED.ts
     WHERE e2e_device_keys.key_json <> EXCLUDED.key_json`,
    [userId, deviceId, json, Date.now()],
  );
  return rowCount > 0;
}

/**
 * Adds one-time keys. Uploading a key id again with the same key is harmless;
 * with a different key it is refused (400) and nothing is written.
 */
export async function addOneTimeKeys(db: Queryable, userId: string, deviceId: string, keys: readonly UploadedKey[]): Promise<void> {
  if (keys.length === 0) return;
  const algorithms = keys.map((k) => k.algorithm);
  const keyIds = keys.map((k) => k.keyId);
  const jsons = keys.map((k) => k.json);
  const { rows: clashes } = await db.query<{ algorithm: string; key_id: string }>(
    `SELECT k.algorithm, k.key_id FROM e2e_one_time_keys k
     JOIN unnest($3::text[], $4::text[], $5::text[]) AS n(algorithm, key_id, key_json)
       ON k.algorithm = n.algorithm AND k.key_id = n.key_id
     WHERE k.user_id = $1 AND k.device_id = $2 AND k.key_json <> n.key_json`,
    [userId, deviceId, algorithms, keyIds, jsons],
  );
  if (clashes.length > 0) {
    const { algorithm, key_id } = clashes[0]!;
    throw Errors.invalidParam(`One-time key ${algorithm}:${key_id} already exists with different content`);
  }
  await db.query(
    `INSERT INTO e2e_one_time_keys (user_id, device_id, algorithm, key_id, key_json, ts)
     SELECT $1, $2, n.algorithm, n.key_id, n.key_json, $6 FROM unnest($3::text[], $4::text[], $5::text[]) AS n(algorithm, key_id, key_json)
     ON CONFLICT (user_id, device_id, algorithm, key_id) DO NOTHING`,
    [userId, deviceId, algorithms, keyIds, jsons, Date.now()],
  );
}

/** Replaces the fallback key of each algorithm given; the same key again keeps its `used` mark. */
export async function setFallbackKeys(db: Queryable, userId: string, deviceId: string, keys: readonly UploadedKey[]): Promise<void> {
  for (const key of keys) {
    await db.query(
      `INSERT INTO e2e_fallback_keys (user_id, device_id, algorithm, key_id, key_json, used) VALUES ($1, $2, $3, $4, $5, FALSE)
       ON CONFLICT (user_id, device_id, algorithm) DO UPDATE SET key_id = EXCLUDED.key_id, key_json = EXCLUDED.key_json, used = FALSE
       WHERE e2e_fallback_keys.key_id <> EXCLUDED.key_id OR e2e_fallback_keys.key_json <> EXCLUDED.key_json`,
      [userId, deviceId, key.algorithm, key.keyId, key.json],
    );
  }
}

/** Unclaimed one-time keys per algorithm. signed_curve25519 is always present (0 included), as clients expect. */
export async function oneTimeKeyCounts(db: Queryable, userId: string, deviceId: string): Promise<Record<string, number>> {
  const { rows } = await db.query<{ algorithm: string; n: number | string }>(
    'SELECT algorithm, count(*) AS n FROM e2e_one_time_keys WHERE user_id = $1 AND device_id = $2 GROUP BY algorithm',
    [userId, deviceId],
  );
  const counts: Record<string, number> = { signed_curve25519: 0 };
  for (const r of rows) counts[r.algorithm] = Number(r.n);
  return counts;
}

export interface OneTimeKeysState {
  counts: Record<string, number>;
  /** Algorithms whose fallback key has not been handed out yet. */
  unusedFallbackTypes: string[];
}

/** What every /sync reports of a device's keys, in one statement (sync reads it each time). */
export async function oneTimeKeyCountsAndFallbacks(db: Queryable, userId: string, deviceId: string): Promise<OneTimeKeysState> {
  const { rows } = await db.query<{ algorithm: string; n: number | string | null }>(
    `SELECT algorithm, count(*) AS n FROM e2e_one_time_keys WHERE user_id = $1 AND device_id = $2 GROUP BY algorithm
     UNION ALL
     SELECT algorithm, NULL FROM e2e_fallback_keys WHERE user_id = $1 AND device_id = $2 AND NOT used
     ORDER BY algorithm`,
    [userId, deviceId],
  );
  const state: OneTimeKeysState = { counts: { signed_curve25519: 0 }, unusedFallbackTypes: [] };
  for (const r of rows) {
    if (r.n === null) state.unusedFallbackTypes.push(r.algorithm);
    else state.counts[r.algorithm] = Number(r.n);
  }
  return state;
}

export interface StoredDeviceKeys {
  userId: string;
  deviceId: string;
  keys: JsonObject;
  displayName: string | null;
}

/** Device keys of the given users: all their devices (deviceIds empty) or the ones named. */
export async function deviceKeysOf(db: Queryable, users: ReadonlyMap<string, readonly string[]>): Promise<StoredDeviceKeys[]> {
  if (users.size === 0) return [];
  const userIds: string[] = [];
  const deviceIds: (string | null)[] = [];
  for (const [userId, devices] of users) {
    if (devices.length === 0) {
      userIds.push(userId);
      deviceIds.push(null);
    } else {
      for (const d of devices) {
        userIds.push(userId);
        deviceIds.push(d);
      }
    }
  }
  const { rows } = await db.query<{ user_id: string; device_id: string; key_json: string; display_name: string | null }>(
    `SELECT k.user_id, k.device_id, k.key_json, d.display_name
     FROM unnest($1::text[], $2::text[]) AS q(user_id, device_id)
     JOIN e2e_device_keys k ON k.user_id = q.user_id AND (q.device_id IS NULL OR k.device_id = q.device_id)
     JOIN devices d ON d.user_id = k.user_id AND d.device_id = k.device_id`,
    [userIds, deviceIds],
  );
  return rows.map((r) => ({
    userId: r.user_id,
    deviceId: r.device_id,
    keys: JSON.parse(r.key_json) as JsonObject,
    displayName: r.display_name,
  }));
}
