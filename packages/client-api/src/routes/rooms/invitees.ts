/**
 * Who can be invited from this server: existing local users who do not block
 * invites (invite-permission.ts). Inviting a user of
 * another server needs the federation invite handshake (their server signs the
 * invite), which this server does not speak yet.
 */
import { Errors, serverNameOf } from '@lattice/core';
import type { ClientApiContext } from '../../context.js';
import { assertInvitesAllowed } from '../../accounts/invite-permission.js';
import { getProfile } from '../../stores/profiles.js';

export async function checkInvitee(ctx: ClientApiContext, userId: string): Promise<void> {
  if (serverNameOf(userId) !== ctx.config.server_name) {
    throw Errors.invalidParam(`Cannot invite ${userId}: inviting users of other servers needs federation`);
  }
  if ((await getProfile(ctx.db, userId)) === undefined) throw Errors.invalidParam(`Unknown user ${userId}`);
  await assertInvitesAllowed(ctx.db, userId);
}
