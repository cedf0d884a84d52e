/**
 * GET /rooms/{roomId}/threads (threads_list.yaml): the room's thread roots,
 * most recently active first, each with its bundled aggregations; with
 * include=participated only threads the user started or replied to. A
 * departed user lists threads as they stood when they left (later replies
 * neither count for the order nor show).
 */
import { DEFAULT_EVENT_LIMIT, Errors } from '@lattice/core';
import { threadRoots } from '@lattice/rooms';
import type { Request, Response } from 'express';
import type { ClientApiContext } from '../../context.js';
import { formatPosition, gapBefore, parsePaginationToken } from './pagination-position.js';
import { limitParam, queryString } from './params.js';
import { openReadableRoom } from './readable-room.js';
import { timelineClientEvents } from './serialize.js';
import { catchUpWithToken } from './token-wait.js';
import { loadVisibleEvents } from './visible-events.js';

export function threadsHandler(ctx: ClientApiContext) {
  return async (req: Request<{ roomId: string }>, res: Response): Promise<void> => {
    const include = queryString(req, 'include') ?? 'all';
    if (include !== 'all' && include !== 'participated') throw Errors.invalidParam("'include' must be 'all' or 'participated'");
    const limit = limitParam(req, DEFAULT_EVENT_LIMIT, 1);
    const rawFrom = queryString(req, 'from');
    const requested = rawFrom === undefined ? undefined : parsePaginationToken(rawFrom);
    const room = await openReadableRoom(ctx, req);
    if (requested) await catchUpWithToken(ctx, requested);
    const until = room.access.until;

    const userId = room.requester.userId;
    const page = await threadRoots(ctx.db, {
      roomId: room.roomId,
      from: requested,
      until,
      limit,
      participatedBy: include === 'participated' ? userId : undefined,
    });
    const roots = await loadVisibleEvents(ctx, userId, page.roots.map((r) => r.rootId));
    const body: Record<string, unknown> = { chunk: await timelineClientEvents(ctx, room, roots) };
    const last = page.roots[page.roots.length - 1];
    if (page.more && last) {
      body.next_batch = formatPosition(gapBefore({ topologicalOrdering: last.latest.topological, streamOrdering: last.latest.stream }));
    }
    res.json(body);
  };
}
