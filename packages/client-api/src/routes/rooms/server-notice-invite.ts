/**
 * "Attempting to reject the invite [to the server notices room] must result in a
 * M_CANNOT_LEAVE_SERVER_NOTICE_ROOM error" (spec "Server Notices"), by /leave or
 * a raw member event alike; leaving after joining stays allowed.
 */
import { MatrixError } from '@lattice/core';
import type { ClientApiContext } from '../../context.js';
import { serverNoticeRoomOf } from '../../stores/server-notice-rooms.js';

export async function assertNotRejectingServerNotices(ctx: ClientApiContext, roomId: string, userId: string): Promise<void> {
  if ((await serverNoticeRoomOf(ctx.db, userId)) !== roomId) return;
  if ((await ctx.rooms.store.membership(roomId, userId))?.membership !== 'invite') return;
  throw new MatrixError(403, 'M_CANNOT_LEAVE_SERVER_NOTICE_ROOM', 'You cannot reject the invite to the server notices room');
}
