/**
 * GET /_synapse/admin/v1/rooms/{roomId}/messages: the room's timeline as the
 * client /messages returns it (from, to, dir, limit, filter; same tokens), for
 * an admin whatever their membership: no history-visibility filtering.
 */
import { DEFAULT_EVENT_LIMIT, MAX_EVENT_LIMIT, compileEventFilter, decodeFilterParam, parseRoomEventFilter } from '@lattice/core';
import type { ClientApiContext } from '@lattice/client-api';
import { RoomStreamToken } from '@lattice/replication';
import { toClientEvent, type StoredEvent, type TopologicalPosition } from '@lattice/rooms';
import { Router, type Request, type Response } from 'express';
import { enumParam, intParam, queryString } from '../../http/query-params.js';
import { adminRoom } from '../../rooms/admin-room.js';

/** Store pages scanned per request when a filter drops events. */
const MAX_SCAN_ROUNDS = 5;
const ROOM_START: TopologicalPosition = { topological: 0, stream: 0 };
/** Events scanned per store page when a filter applies. */
const FILTERED_PAGE = 100;

/** Where paging on continues after an event taken last (RoomStore.paginate's convention). */
function gapAt(stored: StoredEvent, dir: 'b' | 'f'): TopologicalPosition {
  return { topological: stored.topologicalOrdering, stream: dir === 'b' ? stored.streamOrdering - 1 : stored.streamOrdering };
}

function parsePosition(raw: string): TopologicalPosition {
  const token = RoomStreamToken.parse(raw);
  return token.topological === undefined ? { stream: token.stream.min } : { topological: token.topological, stream: token.stream.min };
}

function formatPosition(pos: TopologicalPosition): string {
  return (pos.topological === undefined ? RoomStreamToken.stream(pos.stream) : RoomStreamToken.topological(pos.topological, pos.stream)).toString();
}

export function roomMessagesRouter(ctx: ClientApiContext): Router {
  const router = Router();
  router.get('/v1/rooms/:roomId/messages', async (req: Request<{ roomId: string }>, res: Response) => {
    const dir = enumParam(req, 'dir', ['f', 'b'] as const, 'f');
    const rawFrom = queryString(req, 'from');
    const rawTo = queryString(req, 'to');
    const limit = Math.min(intParam(req, 'limit', DEFAULT_EVENT_LIMIT), MAX_EVENT_LIMIT);
    const rawFilter = queryString(req, 'filter');
    const filter = rawFilter ? parseRoomEventFilter(decodeFilterParam(rawFilter), 'M_INVALID_PARAM') : undefined;
    const to = rawTo === undefined ? undefined : parsePosition(rawTo);
    const room = await adminRoom(ctx, req.params.roomId);
    const from = rawFrom !== undefined ? parsePosition(rawFrom) : dir === 'b' ? { stream: ctx.rooms.hub.currentToken().get('events').min } : ROOM_START;

    const matches = compileEventFilter(filter);
    const events: StoredEvent[] = [];
    let cursor: TopologicalPosition | undefined = from;
    for (let round = 0; round < MAX_SCAN_ROUNDS && cursor && events.length < limit; round++) {
      // A filter may drop most events: scan wider pages then, stopping the cursor at the last event taken.
      const want = limit - events.length;
      const page = await ctx.rooms.store.paginate(room.roomId, cursor, dir, filter ? Math.max(want, FILTERED_PAGE) : want, to);
      cursor = page.next;
      for (const stored of page.events) {
        if (!matches(stored.event, room.roomId)) continue;
        events.push(stored);
        if (events.length === limit) {
          cursor = gapAt(stored, dir);
          break;
        }
      }
    }
    const now = Date.now();
    const body: Record<string, unknown> = {
      start: rawFrom ?? formatPosition(from),
      chunk: events.map((stored) => toClientEvent(stored, { roomVersion: room.version, now })),
    };
    if (cursor && limit > 0) body.end = formatPosition(cursor);
    res.json(body);
  });
  return router;
}
