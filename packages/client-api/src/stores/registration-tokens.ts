/**
 * Registration tokens (spec "Token-authenticated registration"; managed with
 * Synapse's admin API). A token's pending uses are the live UIA sessions that
 * passed the token stage with it (uia_sessions.registration_token), counted on
 * read: an abandoned registration stops holding a use when its session expires.
 */
import type { Database, Queryable } from '@lattice/storage';
import { nullableNumber } from './row-values.js';

/** Synapse's registration token object, as the admin API answers it. */
export interface RegistrationToken {
  token: string;
  uses_allowed: number | null;
  pending: number;
  completed: number;
  expiry_time: number | null;
}

interface TokenRow {
  token: string;
  uses_allowed: number | null;
  pending: string | number;
  completed: number;
  expiry_time: string | number | null;
}

/** Counting pending uses needs the UIA session lifetime: sessions created before this are dead. */
export interface TokenClock {
  now: number;
  liveSessionsSince: number;
}

const SELECT = `SELECT t.token, t.uses_allowed, t.completed, t.expiry_time,
  (SELECT count(*) FROM uia_sessions s WHERE s.registration_token = t.token AND s.created_ts >= $1) AS pending
  FROM registration_tokens t`;

const VALID = '((t.uses_allowed IS NULL OR pending + t.completed < t.uses_allowed) AND (t.expiry_time IS NULL OR t.expiry_time >= $2))';

function toToken(row: TokenRow): RegistrationToken {
  return {
    token: row.token,
    uses_allowed: row.uses_allowed,
    pending: Number(row.pending),
    completed: row.completed,
    expiry_time: nullableNumber(row.expiry_time),
  };
}

/** Every token, or with `valid` only the valid (true) or the used-up and expired (false) ones. */
export async function listRegistrationTokens(db: Queryable, clock: TokenClock, valid?: boolean): Promise<RegistrationToken[]> {
  if (valid === undefined) {
    const { rows } = await db.query<TokenRow>(`${SELECT} ORDER BY t.token`, [clock.liveSessionsSince]);
    return rows.map(toToken);
  }
  const filter = `WHERE ${valid ? '' : 'NOT '}${VALID}`;
  const { rows } = await db.query<TokenRow>(`SELECT * FROM (${SELECT}) t ${filter} ORDER BY t.token`, [clock.liveSessionsSince, clock.now]);
  return rows.map(toToken);
}

export async function getRegistrationToken(db: Queryable, token: string, clock: TokenClock): Promise<RegistrationToken | undefined> {
  const { rows } = await db.query<TokenRow>(`${SELECT} WHERE t.token = $2`, [clock.liveSessionsSince, token]);
  return rows[0] && toToken(rows[0]);
}

/** Is the token usable for a registration now (known, not expired, uses left)? */
export async function registrationTokenValid(db: Queryable, token: string, clock: TokenClock): Promise<boolean> {
  const { rows } = await db.query(`SELECT 1 FROM (${SELECT}) t WHERE t.token = $3 AND ${VALID}`, [clock.liveSessionsSince, clock.now, token]);
  return rows.length > 0;
}

/** Creates the token; false (and nothing written) when it exists. */
export async function insertRegistrationToken(
  db: Queryable,
  token: { token: string; usesAllowed: number | null; expiryTime: number | null },
): Promise<boolean> {
  const { rowCount } = await db.query(
    'INSERT INTO registration_tokens (token, uses_allowed, expiry_time) VALUES ($1, $2, $3) ON CONFLICT (token) DO NOTHING',
    [token.token, token.usesAllowed, token.expiryTime],
  );
  return rowCount > 0;
}

/** Changes the fields given (undefined: unchanged, null: unlimited / never); false if there is no such token. */
export async function updateRegistrationToken(
  db: Queryable,
  token: string,
  change: { usesAllowed?: number | null; expiryTime?: number | null },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE registration_tokens SET
       uses_allowed = CASE WHEN $2 THEN $3::int ELSE uses_allowed END,
       expiry_time = CASE WHEN $4 THEN $5::bigint ELSE expiry_time END
     WHERE token = $1`,
    [token, change.usesAllowed !== undefined, change.usesAllowed ?? null, change.expiryTime !== undefined, change.expiryTime ?? null],
  );
  return rowCount > 0;
}

export async function deleteRegistrationToken(db: Queryable, token: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM registration_tokens WHERE token = $1', [token]);
  return rowCount > 0;
}

/**
 * The UIA stage: takes one pending use of a valid token for the session. The
 * token row is locked while its uses are counted, so concurrent registrations
 * on any replica cannot together exceed uses_allowed. False if not valid.
 */
export async function claimRegistrationToken(db: Database, token: string, sessionId: string, clock: TokenClock): Promise<boolean> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query('SELECT 1 FROM registration_tokens WHERE token = $1 FOR UPDATE', [token]);
    if (rows.length === 0 || !(await registrationTokenValid(tx, token, clock))) return false;
    await tx.query('UPDATE uia_sessions SET registration_token = $2 WHERE session_id = $1', [sessionId, token]);
    return true;
  });
}

/** A registration that passed the token stage in this session completed: its pending use becomes a completed one. */
export async function completeRegistrationTokenUse(db: Queryable, sessionId: string): Promise<void> {
  await db.query(
    `WITH used AS (SELECT registration_token FROM uia_sessions WHERE session_id = $1 AND registration_token IS NOT NULL),
          released AS (UPDATE uia_sessions SET registration_token = NULL WHERE session_id = $1)
     UPDATE registration_tokens SET completed = completed + 1 WHERE token IN (SELECT registration_token FROM used)`,
    [sessionId],
  );
}
