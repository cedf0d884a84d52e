/**
 * The child events of a parent for GET /relations (client-server
 * "Relationships API"), in DAG order with from/to/dir pagination, optionally
 * recursing: "events which have an indirect relation ... up to a certain
 * depth". rel_type and event_type filters apply at every level, so a child
 * reached only through a non-matching intermediate event is not included.
 * Redacted children are gone: their relation is broken.
 */
import type { Queryable } from '@lattice/storage';
import type { TopologicalPosition } from '../api.js';
import { liveEvent, positionBound, type OrderedEventRef } from './position-bound.js';

/** "Homeservers SHOULD traverse at least 3 levels of relationships." */
export const RELATIONS_RECURSION_DEPTH = 3;

export interface RelatedEventsQuery {
  roomId: string;
  parentId: string;
  relType?: string;
  eventType?: string;
  dir: 'b' | 'f';
  /** Going backwards, events at or before it; forwards, events after it. */
  from?: TopologicalPosition;
  /** Going backwards, events after it; forwards, events at or before it. */
  to?: TopologicalPosition;
  limit: number;
  /** 1: direct children only. */
  depth: number;
}

export interface RelatedEventsPage {
  events: OrderedEventRef[];
  /** More events lie beyond the last one in this direction. */
  more: boolean;
}

export async function relatedEvents(db: Queryable, q: RelatedEventsQuery): Promise<RelatedEventsPage> {
  const params: unknown[] = [q.parentId, q.relType ?? null, q.eventType ?? null, q.roomId, q.depth, q.limit + 1];
  const backwards = q.dir === 'b';
  const bounds: string[] = [];
  if (q.from) bounds.push(positionBound(params, 'e', q.from, backwards ? '<=' : '>'));
  if (q.to) bounds.push(positionBound(params, 'e', q.to, backwards ? '>' : '<='));
  const order = backwards ? 'DESC' : 'ASC';
  const matches = `($2::text IS NULL OR r.rel_type = $2) AND ($3::text IS NULL OR e.type = $3)
    AND e.room_id = $4 AND NOT e.redacted AND ${liveEvent('e')}`;
  const { rows } = await db.query<{ event_id: string; topological_ordering: number; stream_ordering: number }>(
    `WITH RECURSIVE related (event_id, topological_ordering, stream_ordering, depth) AS (
       SELECT e.event_id, e.topological_ordering, e.stream_ordering, 1
       FROM event_relations r JOIN events e ON e.event_id = r.event_id
       WHERE r.relates_to_id = $1 AND ${matches}
       UNION
       SELECT e.event_id, e.topological_ordering, e.stream_ordering, c.depth + 1
       FROM related c JOIN event_relations r ON r.relates_to_id = c.event_id JOIN events e ON e.event_id = r.event_id
       WHERE c.depth < $5 AND ${matches}
     )
     SELECT DISTINCT e.event_id, e.topological_ordering, e.stream_ordering FROM related e
     ${bounds.length > 0 ? `WHERE ${bounds.join(' AND ')}` : ''}
     ORDER BY e.topological_ordering ${order}, e.stream_ordering ${order} LIMIT $6`,
    params,
  );
  const more = rows.length > q.limit;
  return {
    events: rows.slice(0, q.limit).map((r) => ({ eventId: r.event_id, topological: r.topological_ordering, stream: r.stream_ordering })),
    more,
  };
}
