/** The profiles table: display name and avatar of local users. */
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
}
