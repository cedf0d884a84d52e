/**
 * Invite blocking (spec v1.18 "Invite permission"): a user whose
 * m.invite_permission_config account data has `default_action: block` gets no
 * invites: inviting them is 403 M_INVITE_BLOCKED, and invites already received
 * are not served by /sync. Any other value means invites as normal.
 */
import { MatrixError } from '@lattice/core';
import type { Queryable } from '@lattice/storage';
import { GLOBAL_ROOM, getAccountData } from '../stores/account-data-reads.js';

export const INVITE_PERMISSION_CONFIG = 'm.invite_permission_config';

export async function invitesBlocked(db: Queryable, userId: string): Promise<boolean> {
  const config = await getAccountData(db, userId, GLOBAL_ROOM, INVITE_PERMISSION_CONFIG);
  return config?.['default_action'] === 'block';
}

export async function assertInvitesAllowed(db: Queryable, userId: string): Promise<void> {
  if (await invitesBlocked(db, userId)) throw new MatrixError(403, 'M_INVITE_BLOCKED', `${userId} does not accept invites`);
}
