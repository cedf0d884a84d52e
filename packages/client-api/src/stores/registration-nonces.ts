/** Nonces of shared-secret registration: stored so that any replica can accept them, used once. */
import type { Queryable } from '@lattice/storage';

export async function insertRegistrationNonce(db: Queryable, nonce: string, now = Date.now()): Promise<void> {
  await db.query('INSERT INTO registration_nonces (nonce, created_ts) VALUES ($1, $2)', [nonce, now]);
}

/** Deletes the nonce and reports whether it existed and was issued at or after `notBefore`. */
export async function consumeRegistrationNonce(db: Queryable, nonce: string, notBefore: number): Promise<boolean> {
  const { rows } = await db.query<{ created_ts: string | number }>(
    'DELETE FROM registration_nonces WHERE nonce = $1 RETURNING created_ts',
    [nonce],
  );
  return rows.length > 0 && Number(rows[0]!.created_ts) >= notBefore;
}

export async function deleteRegistrationNoncesBefore(db: Queryable, ts: number): Promise<void> {
  await db.query('DELETE FROM registration_nonces WHERE created_ts < $1', [ts]);
}
