/** The login_tokens table: single-use m.login.token tokens, stored hashed. */
import type { Queryable } from '@lattice/storage';

export async function insertLoginToken(db: Queryable, token: { hash: string; userId: string; expiresTs: number }, now = Date.now()): Promise<void> {
  // Expired tokens are useless; dropping them here keeps the table to the live ones.
  await db.query('DELETE FROM login_tokens WHERE expires_ts <= $1', [now]);
  await db.query('INSERT INTO login_tokens (token_hash, user_id, created_ts, expires_ts) VALUES ($1, $2, $3, $4)', [
    token.hash,
    token.userId,
    now,
    token.expiresTs,
  ]);
}

/**
 * Uses the token up: its user if it existed and had not expired. One DELETE, so
 * two concurrent logins with the same token cannot both succeed.
 */
export async function consumeLoginToken(db: Queryable, hash: string, now = Date.now()): Promise<string | undefined> {
  const { rows } = await db.query<{ user_id: string; expires_ts: string | number }>(
    'DELETE FROM login_tokens WHERE token_hash = $1 RETURNING user_id, expires_ts',
    [hash],
  );
  const row = rows[0];
  return row && Number(row.expires_ts) > now ? row.user_id : undefined;
}
