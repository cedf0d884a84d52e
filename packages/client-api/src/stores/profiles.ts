/**
 * The profiles of local users: display name and avatar in `profiles`, every
 * other field (m.tz, custom keys, spec v1.16) in `profile_fields` as JSON.
 */
import type { Queryable } from '@lattice/storage';

export interface Profile {
  displayname: string | null;
  avatar_url: string | null;
}

export type ProfileField = keyof Profile;

/** The profile of a local user, or undefined if the user does not exist. */
export async function getProfile(db: Queryable, userId: string): Promise<Profile | undefined> {
  const { rows } = await db.query<Profile>('SELECT displayname, avatar_url FROM profiles WHERE user_id = $1', [userId]);
  return rows[0];
}

// The column name comes from this fixed map, never from the request.
const COLUMN: Record<ProfileField, string> = { displayname: 'displayname', avatar_url: 'avatar_url' };

/** Sets (or with null, clears) one field; false if the user has no profile row. */
export async function setProfileField(db: Queryable, userId: string, field: ProfileField, value: string | null): Promise<boolean> {
  const { rowCount } = await db.query(`UPDATE profiles SET ${COLUMN[field]} = $2 WHERE user_id = $1`, [userId, value]);
  return rowCount > 0;
}

export async function clearProfile(db: Queryable, userId: string): Promise<void> {
  await db.query('UPDATE profiles SET displayname = NULL, avatar_url = NULL WHERE user_id = $1', [userId]);
  await db.query('DELETE FROM profile_fields WHERE user_id = $1', [userId]);
}

/** The profile's other fields (m.tz, custom keys), by name. */
export async function getOtherProfileFields(db: Queryable, userId: string): Promise<Record<string, unknown>> {
  const { rows } = await db.query<{ field_name: string; value: unknown }>(
    'SELECT field_name, value FROM profile_fields WHERE user_id = $1 ORDER BY field_name',
    [userId],
  );
  return Object.fromEntries(rows.map((r) => [r.field_name, r.value]));
}

/** Locks the user's profile row until the transaction ends (serialises size checks); false if there is none. */
export async function lockProfile(tx: Queryable, userId: string): Promise<boolean> {
  const { rows } = await tx.query('SELECT 1 FROM profiles WHERE user_id = $1 FOR UPDATE', [userId]);
  return rows.length > 0;
}

export async function setOtherProfileField(db: Queryable, userId: string, field: string, value: unknown): Promise<void> {
  await db.query(
    `INSERT INTO profile_fields (user_id, field_name, value) VALUES ($1, $2, $3::jsonb)
     ON CONFLICT (user_id, field_name) DO UPDATE SET value = EXCLUDED.value`,
    [userId, field, JSON.stringify(value)],
  );
}

export async function deleteOtherProfileField(db: Queryable, userId: string, field: string): Promise<void> {
  await db.query('DELETE FROM profile_fields WHERE user_id = $1 AND field_name = $2', [userId, field]);
}
