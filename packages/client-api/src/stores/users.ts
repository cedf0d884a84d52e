/** The users table: one row per account this server hosts. */
import type { Queryable } from '@lattice/storage';

export interface UserRecord {
  userId: string;
  passwordHash: string | null;
  creationTs: number;
  admin: boolean;
  isGuest: boolean;
  deactivated: boolean;
  erased: boolean;
  userType: string | null;
  appserviceId: string | null;
  shadowBanned: boolean;
  locked: boolean;
}

export interface NewUser {
  userId: string;
  passwordHash?: string | null;
  admin?: boolean;
  isGuest?: boolean;
  userType?: string | null;
  appserviceId?: string | null;
  /** Initial display name; Synapse-style default is the localpart. */
  displayname?: string | null;
}

interface UserRow {
  user_id: string;
  password_hash: string | null;
  creation_ts: string | number;
  admin: boolean;
  is_guest: boolean;
  deactivated: boolean;
  erased: boolean;
  user_type: string | null;
  appservice_id: string | null;
  shadow_banned: boolean;
  locked: boolean;
}

function toRecord(row: UserRow): UserRecord {
  return {
    userId: row.user_id,
    passwordHash: row.password_hash,
    creationTs: Number(row.creation_ts),
    admin: row.admin,
    isGuest: row.is_guest,
    deactivated: row.deactivated,
    erased: row.erased,
    userType: row.user_type,
    appserviceId: row.appservice_id,
    shadowBanned: row.shadow_banned,
    locked: row.locked,
  };
}

/**
 * Creates the user and its profile row. Returns false (and writes nothing) when
 * the id is taken — the primary key settles races between replicas.
 */
export async function createUser(db: Queryable, user: NewUser, now = Date.now()): Promise<boolean> {
  const inserted = await db.query(
    `INSERT INTO users (user_id, password_hash, creation_ts, admin, is_guest, user_type, appservice_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (user_id) DO NOTHING`,
    [
      user.userId,
      user.passwordHash ?? null,
      now,
      user.admin ?? false,
      user.isGuest ?? false,
      user.userType ?? null,
      user.appserviceId ?? null,
    ],
  );
  if (inserted.rowCount === 0) return false;
  await db.query('INSERT INTO profiles (user_id, displayname) VALUES ($1, $2)', [user.userId, user.displayname ?? null]);
  return true;
}

export async function getUser(db: Queryable, userId: string): Promise<UserRecord | undefined> {
  const { rows } = await db.query<UserRow>('SELECT * FROM users WHERE user_id = $1', [userId]);
  return rows[0] && toRecord(rows[0]);
}

/**
 * Finds a user for login: the exact id first, then its lower-cased form, because
 * ids we allocate are lower case and `@Alice:hs` must reach `@alice:hs`.
 */
export async function findUserForLogin(db: Queryable, userId: string): Promise<UserRecord | undefined> {
  const exact = await getUser(db, userId);
  if (exact) return exact;
  const lower = userId.toLowerCase();
  return lower === userId ? undefined : getUser(db, lower);
}

export async function userExists(db: Queryable, userId: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM users WHERE user_id = $1', [userId]);
  return rows.length > 0;
}

export async function setPasswordHash(db: Queryable, userId: string, passwordHash: string | null): Promise<void> {
  await db.query('UPDATE users SET password_hash = $2 WHERE user_id = $1', [userId, passwordHash]);
}

/** Replaces the password hash only while it is still `expected`: false, and nothing written, when it changed meanwhile. */
export async function replacePasswordHash(db: Queryable, userId: string, expected: string, passwordHash: string): Promise<boolean> {
  const { rowCount } = await db.query('UPDATE users SET password_hash = $3 WHERE user_id = $1 AND password_hash = $2', [userId, expected, passwordHash]);
  return rowCount > 0;
}

/** Marks the account deactivated (and erased if asked); the caller removes devices and profile. */
export async function markDeactivated(db: Queryable, userId: string, erase: boolean): Promise<void> {
  await db.query('UPDATE users SET deactivated = TRUE, erased = erased OR $2 WHERE user_id = $1', [userId, erase]);
}

/** The next numeric localpart for a guest account (guest_user_id_seq). */
export async function nextGuestLocalpart(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ id: string | number }>("SELECT nextval('guest_user_id_seq') AS id");
  return String(rows[0]!.id);
}

/**
 * Turns a guest account into a full one (spec "Guest Access": upgrading via
 * /register). False, and nothing written, unless `userId` is still a guest.
 */
export async function upgradeGuestUser(db: Queryable, userId: string, passwordHash: string, displayname: string): Promise<boolean> {
  const { rowCount } = await db.query('UPDATE users SET is_guest = FALSE, password_hash = $2 WHERE user_id = $1 AND is_guest', [
    userId,
    passwordHash,
  ]);
  if (rowCount === 0) return false;
  // A guest who chose a display name keeps it.
  await db.query('UPDATE profiles SET displayname = COALESCE(displayname, $2) WHERE user_id = $1', [userId, displayname]);
  return true;
}
