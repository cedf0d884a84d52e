/**
 * The membership limits, applied where Synapse applies them: rc_joins per
 * user (local joins only when the user was not joined already; remote joins
 * always), rc_joins_per_room per room, rc_invites per room, per invitee and
 * per inviter, rc_room_creation per creator.
 */
import type { ClientApiContext } from '../context.js';
import { enforceRateLimit } from './rate-limits.js';

/** Before a join through this server ('local') or through another server ('remote'). */
export async function limitJoin(ctx: ClientApiContext, userId: string, roomId: string, where: 'local' | 'remote'): Promise<void> {
  if (where === 'local' && (await ctx.rooms.store.membership(roomId, userId))?.membership === 'join') return;
  const { rc_joins, rc_joins_per_room } = ctx.config;
  await enforceRateLimit(ctx, { name: `rc_joins.${where}`, limit: rc_joins[where], key: userId, requester: userId });
  await enforceRateLimit(ctx, { name: 'rc_joins_per_room', limit: rc_joins_per_room, key: roomId, requester: userId });
}

/** Before `inviter` invites `invitees` (to `roomId`, or to a room being created). */
export async function limitInvites(ctx: ClientApiContext, inviter: string, roomId: string | undefined, invitees: readonly string[]): Promise<void> {
  if (invitees.length === 0) return;
  const { per_room, per_user, per_issuer } = ctx.config.rc_invites;
  const cost = invitees.length;
  if (roomId !== undefined) await enforceRateLimit(ctx, { name: 'rc_invites.per_room', limit: per_room, key: roomId, requester: inviter, cost });
  await enforceRateLimit(ctx, { name: 'rc_invites.per_issuer', limit: per_issuer, key: inviter, requester: inviter, cost });
  for (const invitee of invitees) {
    await enforceRateLimit(ctx, { name: 'rc_invites.per_user', limit: per_user, key: invitee, requester: inviter });
  }
}

/** Before `creator` creates a room. */
export async function limitRoomCreation(ctx: ClientApiContext, creator: string): Promise<void> {
  await enforceRateLimit(ctx, { name: 'rc_room_creation', limit: ctx.config.rc_room_creation, key: creator, requester: creator });
}
