/**
 * OpenID tokens (openid.yaml): a user hands one to a third party, which
 * exchanges it at /_matrix/federation/v1/openid/userinfo for the user id.
 * They are good for nothing else. Only the sha256 of a token is stored, like
 * access tokens; they live one hour, as in Synapse.
 */
import { generateSecretId, hashToken } from '@lattice/client-api';
import type { Queryable } from '@lattice/storage';

export const OPENID_TOKEN_LIFETIME_MS = 3_600_000;

export interface IssuedOpenIdToken {
  token: string;
  expiresInMs: number;
}

export async function issueOpenIdToken(db: Queryable, userId: string, now: number): Promise<IssuedOpenIdToken> {
  const token = generateSecretId(32);
  // Expired tokens are dropped as new ones are issued: the table stays as small as the tokens in use.
  await db.query('DELETE FROM openid_tokens WHERE valid_until_ts <= $1', [now]);
  await db.query('INSERT INTO openid_tokens (token_hash, user_id, valid_until_ts) VALUES ($1, $2, $3)', [
    hashToken(token),
    userId,
    now + OPENID_TOKEN_LIFETIME_MS,
  ]);
  return { token, expiresInMs: OPENID_TOKEN_LIFETIME_MS };
}

/** The user who requested `token`, if it exists and has not expired at `now`. */
export async function openIdTokenOwner(db: Queryable, token: string, now: number): Promise<string | undefined> {
  const { rows } = await db.query<{ user_id: string }>(
    'SELECT user_id FROM openid_tokens WHERE token_hash = $1 AND valid_until_ts > $2',
    [hashToken(token), now],
  );
  return rows[0]?.user_id;
}
