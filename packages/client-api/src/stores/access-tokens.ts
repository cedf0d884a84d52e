/** The access_tokens table (tokens stored hashed; see crypto/tokens.ts). */
import type { Queryable } from '@lattice/storage';
import { nullableNumber } from './row-values.js';

export interface AccessTokenRecord {
  id: number;
  userId: string;
  deviceId: string;
  expiresTs: number | null;
  refreshTokenId: number | null;
  used: boolean;
  isGuest: boolean;
  shadowBanned: boolean;
  locked: boolean;
  deviceLastSeenTs: number | null;
}

interface AccessTokenRow {
  id: string | number;
  user_id: string;
  device_id: string;
  expires_ts: string | number | null;
  refresh_token_id: string | number | null;
  used: boolean;
  is_guest: boolean;
  shadow_banned: boolean;
  locked: boolean;
  last_seen_ts: string | number | null;
}

export async function insertAccessToken(
  db: Queryable,
  token: { hash: string; userId: string; deviceId: string; expiresTs: number | null; refreshTokenId: number | null },
  now = Date.now(),
): Promise<void> {
  await db.query(
    `INSERT INTO access_tokens (token_hash, user_id, device_id, created_ts, expires_ts, refresh_token_id, used)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    // A token without a refresh token has no predecessor to revoke, so it starts "used".
    [token.hash, token.userId, token.deviceId, now, token.expiresTs, token.refreshTokenId, token.refreshTokenId === null],
  );
}

/** The token's owner, device and state — one indexed lookup on the request hot path. */
export async function findAccessToken(db: Queryable, hash: string): Promise<AccessTokenRecord | undefined> {
  const { rows } = await db.query<AccessTokenRow>(
    `SELECT t.id, t.user_id, t.device_id, t.expires_ts, t.refresh_token_id, t.used, u.is_guest, u.shadow_banned, u.locked, d.last_seen_ts
     FROM access_tokens t
     JOIN users u ON u.user_id = t.user_id
     JOIN devices d ON d.user_id = t.user_id AND d.device_id = t.device_id
     WHERE t.token_hash = $1`,
    [hash],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    id: Number(row.id),
    userId: row.user_id,
    deviceId: row.device_id,
    expiresTs: nullableNumber(row.expires_ts),
    refreshTokenId: nullableNumber(row.refresh_token_id),
    used: row.used,
    isGuest: row.is_guest,
    shadowBanned: row.shadow_banned,
    locked: row.locked,
    deviceLastSeenTs: nullableNumber(row.last_seen_ts),
  };
}

/**
 * First use of an access token issued by /refresh: the client evidently holds the
 * new pair, so the refresh token it exchanged is revoked (spec "Refreshing access
 * tokens"). One statement, so concurrent first uses on several replicas agree.
 */
export async function markAccessTokenUsed(db: Queryable, tokenId: number): Promise<void> {
  await db.query(
    `WITH marked AS (UPDATE access_tokens SET used = TRUE WHERE id = $1 AND NOT used RETURNING refresh_token_id)
     DELETE FROM refresh_tokens WHERE next_token_id IN (SELECT refresh_token_id FROM marked)`,
    [tokenId],
  );
}

/** Invalidates every access and refresh token of a device (the device stays). */
export async function deleteDeviceTokens(db: Queryable, userId: string, deviceId: string): Promise<void> {
  await db.query('DELETE FROM access_tokens WHERE user_id = $1 AND device_id = $2', [userId, deviceId]);
  await db.query('DELETE FROM refresh_tokens WHERE user_id = $1 AND device_id = $2', [userId, deviceId]);
}
