/**
 * /keys/claim for local devices: one one-time key per (device, algorithm),
 * else the device's fallback key. A one-time key is deleted as it is handed
 * out (DELETE … RETURNING), so concurrent claims never get the same key; a
 * claim skips keys another claim holds locked instead of waiting for them.
 */
import type { Queryable } from '@lattice/storage';

export interface ClaimRequest {
  userId: string;
  deviceId: string;
  algorithm: string;
}

export interface ClaimedKey extends ClaimRequest {
  keyId: string;
  keyJson: string;
}

export async function claimKeys(db: Queryable, requests: readonly ClaimRequest[]): Promise<ClaimedKey[]> {
  if (requests.length === 0) return [];
  const params = [requests.map((r) => r.userId), requests.map((r) => r.deviceId), requests.map((r) => r.algorithm)];
  const { rows } = await db.query<{ user_id: string; device_id: string; algorithm: string; key_id: string; key_json: string }>(
    `DELETE FROM e2e_one_time_keys k USING (
       SELECT o.user_id, o.device_id, o.algorithm, o.key_id
       FROM unnest($1::text[], $2::text[], $3::text[]) AS w(user_id, device_id, algorithm)
       CROSS JOIN LATERAL (
         SELECT x.user_id, x.device_id, x.algorithm, x.key_id FROM e2e_one_time_keys x
         WHERE x.user_id = w.user_id AND x.device_id = w.device_id AND x.algorithm = w.algorithm
         ORDER BY x.key_id LIMIT 1 FOR UPDATE SKIP LOCKED
       ) o
     ) p
     WHERE k.user_id = p.user_id AND k.device_id = p.device_id AND k.algorithm = p.algorithm AND k.key_id = p.key_id
     RETURNING k.user_id, k.device_id, k.algorithm, k.key_id, k.key_json`,
    params,
  );
  const claimed: ClaimedKey[] = rows.map((r) => ({
    userId: r.user_id,
    deviceId: r.device_id,
    algorithm: r.algorithm,
    keyId: r.key_id,
    keyJson: r.key_json,
  }));
  const got = new Set(claimed.map((c) => `${c.userId}\u0000${c.deviceId}\u0000${c.algorithm}`));
  const rest = requests.filter((r) => !got.has(`${r.userId}\u0000${r.deviceId}\u0000${r.algorithm}`));
  if (rest.length === 0) return claimed;
  // No one-time key left: the fallback key, marked used (it stays, to be handed out again).
  const { rows: fallbacks } = await db.query<{ user_id: string; device_id: string; algorithm: string; key_id: string; key_json: string }>(
    `UPDATE e2e_fallback_keys f SET used = TRUE
     FROM unnest($1::text[], $2::text[], $3::text[]) AS w(user_id, device_id, algorithm)
     WHERE f.user_id = w.user_id AND f.device_id = w.device_id AND f.algorithm = w.algorithm
     RETURNING f.user_id, f.device_id, f.algorithm, f.key_id, f.key_json`,
    [rest.map((r) => r.userId), rest.map((r) => r.deviceId), rest.map((r) => r.algorithm)],
  );
  for (const r of fallbacks) {
    claimed.push({ userId: r.user_id, deviceId: r.device_id, algorithm: r.algorithm, keyId: r.key_id, keyJson: r.key_json });
  }
  return claimed;
}
