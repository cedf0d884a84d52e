/**
 * m.room.guest_access (spec "Guest Access", Server behaviour): guests may join
 * only rooms whose guest_access is `can_join`, and when a room stops being so,
 * its joined local guests are made to leave.
 */
import { Errors } from '@lattice/core';
import type { ClientApiContext } from '../../context.js';
import { sendMemberEvent } from './member-events.js';

async function guestsCanJoin(ctx: ClientApiContext, roomId: string): Promise<boolean> {
  const event = await ctx.rooms.store.currentStateEvent(roomId, 'm.room.guest_access', '');
  return event?.event.content['guest_access'] === 'can_join';
}

export async function assertGuestsCanJoin(ctx: ClientApiContext, roomId: string): Promise<void> {
  if (!(await guestsCanJoin(ctx, roomId))) throw Errors.guestAccessForbidden();
}

/** After an m.room.guest_access change: every joined local guest leaves if guests may no longer join. */
export async function evictGuestsIfClosed(ctx: ClientApiContext, roomId: string): Promise<void> {
  if (await guestsCanJoin(ctx, roomId)) return;
  const joined = [...(await ctx.rooms.store.joinedMembers(roomId)).keys()];
  const { rows } = await ctx.db.query<{ user_id: string }>('SELECT user_id FROM users WHERE is_guest AND user_id = ANY($1)', [joined]);
  for (const { user_id: guest } of rows) {
    await sendMemberEvent(ctx, { roomId, sender: guest, target: guest, membership: 'leave' });
  }
}
