/**
 * GET /rooms/{roomId}/timestamp_to_event (room_event_by_timestamp.yaml): the
 * event closest to `ts` in direction `dir` (at or after it going forwards, at
 * or before it going backwards) among those the user may see. Candidates are
 * read in small batches by origin_server_ts and checked for visibility until
 * one passes. 404 M_NOT_FOUND when there is none (we hold every event of our
 * rooms, so there is nobody to ask over federation).
 */
import { Errors } from '@lattice/core';
import type { TopologicalPosition } from '@lattice/rooms';
import type { Request, Response } from 'express';
import type { ClientApiContext } from '../../context.js';
import { direction, requiredQueryString } from './params.js';
import { openReadableRoom } from './readable-room.js';
import { loadVisibleEvents } from './visible-events.js';

const BATCH = 20;
const MAX_BATCHES = 5;

export function timestampToEventHandler(ctx: ClientApiContext) {
  return async (req: Request<{ roomId: string }>, res: Response): Promise<void> => {
    const rawTs = requiredQueryString(req, 'ts');
    if (!/^[0-9]+$/.test(rawTs) || !Number.isSafeInteger(Number(rawTs))) throw Errors.invalidParam("'ts' must be a timestamp in milliseconds");
    const ts = Number(rawTs);
    const dir = direction(req);
    const room = await openReadableRoom(ctx, req);

    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      const ids = await eventsByTimestamp(ctx, room.roomId, ts, dir, batch * BATCH, room.access.until);
      const [found] = await loadVisibleEvents(ctx, room.requester.userId, ids);
      if (found) {
        res.json({ event_id: found.stored.event.event_id, origin_server_ts: found.stored.event.origin_server_ts });
        return;
      }
      if (ids.length < BATCH) break;
    }
    throw Errors.notFound(`Unable to find event from ${ts} in ${dir === 'f' ? 'forward' : 'backward'} direction`);
  };
}

/** Timeline events by distance from `ts` in one direction; ties go to the earlier (dir=f) or later (dir=b) event. */
async function eventsByTimestamp(
  ctx: ClientApiContext,
  roomId: string,
  ts: number,
  dir: 'b' | 'f',
  offset: number,
  until: TopologicalPosition | undefined,
): Promise<string[]> {
  const forwards = dir === 'f';
  const order = forwards ? 'ASC' : 'DESC';
  const params: unknown[] = [roomId, ts, BATCH, offset];
  let cutoff = '';
  if (until?.topological !== undefined) {
    params.push(until.topological, until.stream);
    cutoff = 'AND (e.topological_ordering, e.stream_ordering) <= ($5, $6)';
  }
  const { rows } = await ctx.db.query<{ event_id: string }>(
    `SELECT e.event_id FROM events e
     WHERE e.room_id = $1 AND e.origin_server_ts ${forwards ? '>=' : '<='} $2 ${cutoff}
       AND NOT e.outlier AND e.rejected_reason IS NULL AND NOT e.soft_failed
     ORDER BY e.origin_server_ts ${order}, e.topological_ordering ${order}, e.stream_ordering ${order}
     LIMIT $3 OFFSET $4`,
    params,
  );
  return rows.map((r) => r.event_id);
}
