/**
 * Inviting a user by Matrix ID (POST /rooms/{roomId}/invite with user_id, and
 * the third-party form once the identity server named the user): rate limits,
 * then the federation handshake for a user of another server, or the invite
 * event here after checking a local invitee exists and accepts invites.
 */
import type { ClientApiContext } from '../../context.js';
import { limitInvites } from '../../ratelimit/membership-limits.js';
import { checkInvitee } from './invitees.js';
import { sendMemberEvent } from './member-events.js';
import { inviteThroughFederation } from './remote-membership.js';

export async function inviteUser(ctx: ClientApiContext, roomId: string, inviter: string, target: string, reason?: string): Promise<void> {
  await limitInvites(ctx, inviter, roomId, [target]);
  if (await inviteThroughFederation(ctx, roomId, inviter, target, reason)) return;
  await checkInvitee(ctx, target);
  await sendMemberEvent(ctx, { roomId, sender: inviter, target, membership: 'invite', reason });
}
