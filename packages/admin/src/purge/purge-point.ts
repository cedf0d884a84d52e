/**
 * Where a purge stops, in DAG order: before a given event (the event itself is
 * kept, as in Synapse), or before the first event sent at or after a time.
 */
import { Errors } from '@lattice/core';
import type { Queryable } from '@lattice/storage';
import type { PurgePoint } from './history-purge.js';

export async function pointBeforeEvent(db: Queryable, roomId: string, eventId: string): Promise<PurgePoint> {
  const { rows } = await db.query<{ room_id: string; topological_ordering: number; stream_ordering: number }>(
    'SELECT room_id, topological_ordering, stream_ordering FROM events WHERE event_id = $1',
    [eventId],
  );
  const row = rows[0];
  if (!row) throw Errors.notFound(`Event ${eventId} not found`);
  if (row.room_id !== roomId) throw Errors.badJson(`Event ${eventId} is not in room ${roomId}`);
  return { topological: row.topological_ordering, stream: row.stream_ordering };
}

export async function pointBeforeTs(db: Queryable, roomId: string, ts: number): Promise<PurgePoint> {
  const { rows } = await db.query<{ topological_ordering: number; stream_ordering: number }>(
    `SELECT topological_ordering, stream_ordering FROM events
     WHERE room_id = $1 AND origin_server_ts >= $2 AND NOT outlier
     ORDER BY topological_ordering, stream_ordering LIMIT 1`,
    [roomId, ts],
  );
  if (rows[0]) return { topological: rows[0].topological_ordering, stream: rows[0].stream_ordering };
  // Everything is older: the point after the newest event (the forward extremities stay anyway).
  const { rows: last } = await db.query<{ topological_ordering: number; stream_ordering: number }>(
    `SELECT topological_ordering, stream_ordering FROM events WHERE room_id = $1
     ORDER BY topological_ordering DESC, stream_ordering DESC LIMIT 1`,
    [roomId],
  );
  return last[0] ? { topological: last[0].topological_ordering, stream: last[0].stream_ordering + 1 } : { topological: 0, stream: 0 };
}

/** Does the room hold anything a purge up to `before` would delete or hide? */
export async function hasHistoryBefore(db: Queryable, roomId: string, before: PurgePoint): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM events e
     WHERE e.room_id = $1 AND (e.topological_ordering, e.stream_ordering) < ($2, $3) AND NOT e.outlier
       AND NOT EXISTS (SELECT 1 FROM event_forward_extremities f WHERE f.room_id = $1 AND f.event_id = e.event_id)
     LIMIT 1`,
    [roomId, before.topological, before.stream],
  );
  return rows.length > 0;
}
