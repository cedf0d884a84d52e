/**
 * GET /rooms/{roomId}/relations/{eventId}[/{relType}[/{eventType}]]
 * (relations.yaml): the parent's child events, newest first by default
 * (dir=b) or oldest first (dir=f), paged with from/to/limit, optionally
 * recursing RELATIONS_RECURSION_DEPTH levels. Children the user may not see
 * are left out; a departed user sees none sent after they left.
 */
import { DEFAULT_EVENT_LIMIT } from '@lattice/core';
import { RELATIONS_RECURSION_DEPTH, relatedEvents, type TopologicalPosition } from '@lattice/rooms';
import type { Request, Response } from 'express';
import type { ClientApiContext } from '../../context.js';
import { checkEventId } from '../rooms/ids.js';
import { earlierOf, formatPosition, gapAfter, gapBefore, parsePaginationToken } from './pagination-position.js';
import { booleanParam, direction, limitParam, queryString } from './params.js';
import { openReadableRoom } from './readable-room.js';
import { timelineClientEvents } from './serialize.js';
import { catchUpWithToken } from './token-wait.js';
import { visibleRoomEvent } from './visible-parent.js';
import { loadVisibleEvents } from './visible-events.js';

type RelationsParams = { roomId: string; eventId: string; relType?: string; eventType?: string };

export function relationsHandler(ctx: ClientApiContext) {
  return async (req: Request<RelationsParams>, res: Response): Promise<void> => {
    const parentId = checkEventId(req.params.eventId);
    const dir = direction(req, 'b');
    const rawFrom = queryString(req, 'from');
    const rawTo = queryString(req, 'to');
    let from: TopologicalPosition | undefined = rawFrom === undefined ? undefined : parsePaginationToken(rawFrom);
    let to: TopologicalPosition | undefined = rawTo === undefined ? undefined : parsePaginationToken(rawTo);
    const limit = limitParam(req, DEFAULT_EVENT_LIMIT, 1);
    const recurse = booleanParam(req, 'recurse');
    const room = await openReadableRoom(ctx, req);
    if (from) await catchUpWithToken(ctx, from);
    await visibleRoomEvent(ctx, room, parentId);

    const until = room.access.until;
    if (until !== undefined) {
      if (dir === 'b') from = earlierOf(from ?? until, until);
      else to = earlierOf(until, to);
    }
    const page = await relatedEvents(ctx.db, {
      roomId: room.roomId,
      parentId,
      relType: req.params.relType,
      eventType: req.params.eventType,
      dir,
      from,
      to,
      limit,
      depth: recurse ? RELATIONS_RECURSION_DEPTH : 1,
    });
    const visible = await loadVisibleEvents(ctx, room.requester.userId, page.events.map((e) => e.eventId));
    const body: Record<string, unknown> = { chunk: await timelineClientEvents(ctx, room, visible) };
    const last = page.events[page.events.length - 1];
    if (page.more && last) {
      const place = { topologicalOrdering: last.topological, streamOrdering: last.stream };
      body.next_batch = formatPosition(dir === 'b' ? gapBefore(place) : gapAfter(place));
    }
    if (rawFrom !== undefined) body.prev_batch = rawFrom;
    if (recurse !== undefined) body.recursion_depth = recurse ? RELATIONS_RECURSION_DEPTH : 1;
    res.json(body);
  };
}
