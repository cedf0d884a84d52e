/**
 * GET /rooms/{roomId}/messages (message_pagination.yaml): the room's timeline
 * in DAG order, backwards (newest first) or forwards, from a token or, without
 * one, from the end (dir=b) or the start (dir=f) of what the user may see.
 * `end` is omitted when nothing is left in that direction, including past the
 * point where a departed user stopped seeing the room. Paging backwards past
 * the start of what this server holds asks the room's other servers for older
 * history first (ctx.remoteBackfill).
 */
import { compileEventFilter, type RoomEvent } from '@lattice/core';
import type { TopologicalPosition } from '@lattice/rooms';
import type { Request, Response } from 'express';
import type { ClientApiContext } from '../../context.js';
import { lazyMemberEvents } from './lazy-members.js';
import { earlierOf, formatPosition, parsePaginationToken } from './pagination-position.js';
import { direction, limitParam, queryString, roomEventFilterParam } from './params.js';
import { openReadableRoom } from './readable-room.js';
import { clientEventsFor } from '../rooms/client-events.js';
import { timelineClientEvents } from './serialize.js';
import { visiblePage } from './visible-page.js';
import { catchUpWithToken } from './token-wait.js';

/** The DAG-order position before every event (depths start at 1). */
const ROOM_START: TopologicalPosition = { topological: 0, stream: 0 };

export function messagesHandler(ctx: ClientApiContext) {
  return async (req: Request<{ roomId: string }>, res: Response): Promise<void> => {
    const dir = direction(req);
    const rawFrom = queryString(req, 'from');
    const rawTo = queryString(req, 'to');
    const requested = rawFrom === undefined ? undefined : parsePaginationToken(rawFrom);
    const toToken = rawTo === undefined ? undefined : parsePaginationToken(rawTo);
    const limit = limitParam(req);
    const filter = roomEventFilterParam(req);
    const room = await openReadableRoom(ctx, req);
    if (requested) await catchUpWithToken(ctx, requested);

    const until = room.access.until;
    let from: TopologicalPosition;
    if (dir === 'b') {
      const fallback = until ?? { stream: ctx.rooms.hub.currentToken().get('events').min };
      from = requested === undefined ? fallback : earlierOf(requested, until);
    } else {
      from = requested ?? ROOM_START;
    }
    const to = dir === 'f' && until !== undefined ? earlierOf(until, toToken) : toToken;

    const matcher = filter && compileEventFilter(filter);
    const query = {
      roomId: room.roomId,
      userId: room.requester.userId,
      from,
      dir,
      limit,
      to,
      matches: matcher && ((event: RoomEvent) => matcher(event, room.roomId)),
    };
    let page = await visiblePage(ctx, query);
    // The start of what this server holds: older history may be on the other servers of the room.
    if (dir === 'b' && page.next === undefined && to === undefined && ctx.remoteBackfill !== undefined) {
      if ((await ctx.remoteBackfill.backfill(room.roomId, limit)) > 0) page = await visiblePage(ctx, query);
    }

    const body: Record<string, unknown> = {
      start: rawFrom ?? formatPosition(from),
      chunk: await timelineClientEvents(ctx, room, page.events),
    };
    if (page.next) body.end = formatPosition(page.next);
    const first = page.events[0];
    if (filter?.lazy_load_members && first) {
      const members = await lazyMemberEvents(ctx, page.events.map((e) => e.stored), first.stored.event.event_id);
      body.state = clientEventsFor(room, room.requester, members);
    }
    res.json(body);
  };
}
