/** m.ignored_user_list (spec "Ignoring Users"): the users whose events and invites the user does not want. */
import type { Queryable } from '@lattice/storage';
import { GLOBAL_ROOM, getAccountData } from '../stores/account-data-reads.js';

export async function ignoredUsers(db: Queryable, userId: string): Promise<Set<string>> {
  const content = await getAccountData(db, userId, GLOBAL_ROOM, 'm.ignored_user_list');
  const ignored = content?.ignored_users;
  return typeof ignored === 'object' && ignored !== null ? new Set(Object.keys(ignored)) : new Set();
}
