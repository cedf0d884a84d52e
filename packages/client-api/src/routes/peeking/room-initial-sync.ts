/**
 * GET /rooms/{roomId}/initialSync (room_initial_sync.yaml; spec "Room
 * Previews"): a snapshot of a room the requester may read (joined, departed, or
 * any world_readable room): its recent messages oldest first, its state (as
 * when a departed user left), the requester's membership, directory
 * visibility and room account data. `messages.end` is a stream token that
 * GET /events?room_id=… continues from (and /messages accepts); `start`, when
 * older events remain, pages backwards with /messages.
 */
import type { TopologicalPosition } from '@lattice/rooms';
import type { Request, Response } from 'express';
import type { ClientApiContext } from '../../context.js';
import { getRoomVisibility } from '../directory/room-visibility.js';
import { clientEventsFor } from '../rooms/client-events.js';
import { readableState } from '../rooms/room-access.js';
import { formatPosition } from '../timeline/pagination-position.js';
import { limitParam } from '../timeline/params.js';
import { openReadableRoom } from '../timeline/readable-room.js';
import { timelineClientEvents } from '../timeline/serialize.js';
import { visiblePage } from '../timeline/visible-page.js';

/** Synapse's default for this endpoint. */
const DEFAULT_LIMIT = 10;

async function roomAccountData(ctx: ClientApiContext, userId: string, roomId: string): Promise<Array<{ type: string; content: unknown }>> {
  const { rows } = await ctx.db.query<{ type: string; content: string }>(
    'SELECT type, content FROM account_data WHERE user_id = $1 AND room_id = $2 ORDER BY type',
    [userId, roomId],
  );
  return rows.map((r) => ({ type: r.type, content: JSON.parse(r.content) as unknown }));
}

export function roomInitialSyncHandler(ctx: ClientApiContext) {
  return async (req: Request<{ roomId: string }>, res: Response): Promise<void> => {
    const limit = limitParam(req, DEFAULT_LIMIT);
    const room = await openReadableRoom(ctx, req);
    const { userId } = room.requester;
    const from: TopologicalPosition = room.access.until ?? { stream: ctx.rooms.hub.currentToken().get('events').min };

    const [page, state, membership, visibility, accountData] = await Promise.all([
      visiblePage(ctx, { roomId: room.roomId, userId, from, dir: 'b', limit }),
      readableState(ctx, room, userId),
      ctx.rooms.store.membership(room.roomId, userId),
      getRoomVisibility(ctx.db, room.roomId),
      roomAccountData(ctx, userId, room.roomId),
    ]);
    const messages: Record<string, unknown> = {
      chunk: await timelineClientEvents(ctx, room, [...page.events].reverse()),
      end: formatPosition({ stream: from.stream }),
    };
    if (page.next) messages.start = formatPosition(page.next);
    const stateEvents = await ctx.rooms.store.getEvents([...state.values()]);

    const body: Record<string, unknown> = {
      room_id: room.roomId,
      messages,
      state: clientEventsFor(room, room.requester, stateEvents.values()),
      visibility: visibility ?? 'private',
      account_data: accountData,
    };
    if (membership && !membership.forgotten) body.membership = membership.membership;
    res.json(body);
  };
}
