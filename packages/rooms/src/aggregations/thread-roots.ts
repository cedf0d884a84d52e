/**
 * The thread roots of a room for GET /threads (client-server "Querying
 * threads in a room"), "ordered by the latest_event in each event's
 * aggregated children", newest first, paged by the position of that latest
 * reply. With `participatedBy`, only threads that user started or replied to.
 */
import type { Queryable } from '@lattice/storage';
import type { TopologicalPosition } from '../api.js';
import { liveEvent, positionBound } from './position-bound.js';

export interface ThreadRootsQuery {
  roomId: string;
  /** Only threads whose latest reply is at or before this position. */
  from?: TopologicalPosition;
  /** Replies after this position do not count (a departed user's view of the room). */
  until?: TopologicalPosition;
  limit: number;
  participatedBy?: string;
  ignoredUsers?: readonly string[];
}

export interface ThreadRootRef {
  rootId: string;
  /** Position of the thread's latest reply. */
  latest: { topological: number; stream: number };
}

export async function threadRoots(db: Queryable, q: ThreadRootsQuery): Promise<{ roots: ThreadRootRef[]; more: boolean }> {
  const params: unknown[] = [q.roomId, q.limit + 1, q.ignoredUsers ?? []];
  const conditions = [`root.room_id = $1`, liveEvent('root')];
  if (q.from) conditions.push(positionBound(params, 'l', q.from, '<='));
  const replyCutoff = q.until ? `AND ${positionBound(params, 'e', q.until, '<=')}` : '';
  if (q.participatedBy !== undefined) {
    params.push(q.participatedBy);
    const user = `$${params.length}`;
    conditions.push(`(root.sender = ${user} OR EXISTS (
      SELECT 1 FROM event_relations r2 JOIN events e2 ON e2.event_id = r2.event_id
      WHERE r2.relates_to_id = l.root_id AND r2.rel_type = 'm.thread' AND e2.sender = ${user}
        AND e2.room_id = $1 AND NOT e2.redacted AND ${liveEvent('e2')}))`);
  }
  const { rows } = await db.query<{ root_id: string; topological_ordering: number; stream_ordering: number }>(
    `WITH l AS (
       SELECT DISTINCT ON (r.relates_to_id) r.relates_to_id AS root_id, e.topological_ordering, e.stream_ordering
       FROM event_relations r JOIN events e ON e.event_id = r.event_id
       WHERE r.rel_type = 'm.thread' AND e.room_id = $1 AND NOT e.redacted AND ${liveEvent('e')}
         AND NOT (e.sender = ANY($3::text[])) ${replyCutoff}
       ORDER BY r.relates_to_id, e.topological_ordering DESC, e.stream_ordering DESC
     )
     SELECT l.root_id, l.topological_ordering, l.stream_ordering
     FROM l JOIN events root ON root.event_id = l.root_id
     WHERE ${conditions.join(' AND ')}
     ORDER BY l.topological_ordering DESC, l.stream_ordering DESC LIMIT $2`,
    params,
  );
  return {
    roots: rows.slice(0, q.limit).map((r) => ({
      rootId: r.root_id,
      latest: { topological: r.topological_ordering, stream: r.stream_ordering },
    })),
    more: rows.length > q.limit,
  };
}
