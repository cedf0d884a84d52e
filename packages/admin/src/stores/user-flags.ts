/** The users table's admin-set flags (admin, shadow_banned, locked, user_type, deactivated). */
import type { Queryable } from '@lattice/storage';

export interface UserFlags {
  admin?: boolean;
  shadowBanned?: boolean;
  locked?: boolean;
  userType?: string | null;
  /** Only false here (reactivation); deactivation goes through client-api's deactivateAccount. */
  deactivated?: false;
}

// Column names come from this fixed map, never from the request.
const COLUMN: Record<keyof UserFlags, string> = {
  admin: 'admin',
  shadowBanned: 'shadow_banned',
  locked: 'locked',
  userType: 'user_type',
  deactivated: 'deactivated',
};

/** Sets the flags given; false if there is no such user. */
export async function setUserFlags(db: Queryable, userId: string, flags: UserFlags): Promise<boolean> {
  const entries = (Object.entries(flags) as Array<[keyof UserFlags, unknown]>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) {
    const { rows } = await db.query('SELECT 1 FROM users WHERE user_id = $1', [userId]);
    return rows.length > 0;
  }
  const sets = entries.map(([key], i) => `${COLUMN[key]} = $${i + 2}`).join(', ');
  const { rowCount } = await db.query(`UPDATE users SET ${sets} WHERE user_id = $1`, [userId, ...entries.map(([, v]) => v)]);
  return rowCount > 0;
}
