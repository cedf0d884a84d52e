/** The refresh_tokens table and the rotation steps /refresh performs on it. */
import type { Queryable } from '@lattice/storage';
import { nullableNumber } from './row-values.js';

export interface RefreshTokenRecord {
  id: number;
  userId: string;
  deviceId: string;
  expiresTs: number | null;
  nextTokenId: number | null;
}

interface RefreshTokenRow {
  id: string | number;
  user_id: string;
  device_id: string;
  expires_ts: string | number | null;
  next_token_id: string | number | null;
}

export async function insertRefreshToken(
  db: Queryable,
  token: { hash: string; userId: string; deviceId: string; expiresTs: number | null },
  now = Date.now(),
): Promise<number> {
  const { rows } = await db.query<{ id: string | number }>(
    `INSERT INTO refresh_tokens (token_hash, user_id, device_id, created_ts, expires_ts)
     VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [token.hash, token.userId, token.deviceId, now, token.expiresTs],
  );
  return Number(rows[0]!.id);
}

/** The user a refresh token belongs to (no lock: to know whose tokens an exchange revokes). */
export async function refreshTokenOwner(db: Queryable, hash: string): Promise<string | undefined> {
  const { rows } = await db.query<{ user_id: string }>('SELECT user_id FROM refresh_tokens WHERE token_hash = $1', [hash]);
  return rows[0]?.user_id;
}

/** Looks a refresh token up and locks its row, serialising concurrent refreshes of it. */
export async function findRefreshTokenForUpdate(db: Queryable, hash: string): Promise<RefreshTokenRecord | undefined> {
  const { rows } = await db.query<RefreshTokenRow>(
    'SELECT id, user_id, device_id, expires_ts, next_token_id FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE',
    [hash],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    id: Number(row.id),
    userId: row.user_id,
    deviceId: row.device_id,
    expiresTs: nullableNumber(row.expires_ts),
    nextTokenId: nullableNumber(row.next_token_id),
  };
}

/**
 * Prepares `token` to be exchanged again: drops the pair issued by an earlier,
 * unconfirmed exchange of it (the client never used it), revokes its own
 * predecessor (using this token proves the client has it) and its access token.
 */
export async function retireForExchange(db: Queryable, token: RefreshTokenRecord): Promise<void> {
  if (token.nextTokenId !== null) await db.query('DELETE FROM refresh_tokens WHERE id = $1', [token.nextTokenId]);
  await db.query('DELETE FROM refresh_tokens WHERE next_token_id = $1', [token.id]);
  await db.query('DELETE FROM access_tokens WHERE refresh_token_id = $1', [token.id]);
}

export async function linkNextRefreshToken(db: Queryable, tokenId: number, nextTokenId: number): Promise<void> {
  await db.query('UPDATE refresh_tokens SET next_token_id = $2 WHERE id = $1', [tokenId, nextTokenId]);
}
