/**
 * The notifications of one user (notifications.yaml), newest first: the events
 * of the rooms the user is joined to, from their join on, that notified them,
 * with the actions of the matched rule and whether a read receipt covers them.
 */
import type { PushAction } from '@lattice/core';
import type { Queryable } from '@lattice/storage';

export interface NotificationRow {
  roomId: string;
  eventId: string;
  streamOrdering: number;
  actions: PushAction[];
  ts: number;
  read: boolean;
}

export interface NotificationPage {
  /** Exclusive upper bound (a stream ordering); absent: from the newest. */
  before?: number | undefined;
  limit: number;
  onlyHighlight: boolean;
}

export async function notificationsOf(
  db: Queryable,
  userId: string,
  rooms: ReadonlyArray<{ roomId: string; joinedAt: number }>,
  page: NotificationPage,
): Promise<NotificationRow[]> {
  if (rooms.length === 0) return [];
  const { rows } = await db.query<{ room_id: string; event_id: string; stream_ordering: number; actions: string; ts: number; read: boolean }>(
    // Each room's newest page first (its index read backwards, stopping at `limit`), then the newest of those:
    // a page costs rooms × limit rows, not every notification since each join.
    `SELECT n.room_id, n.event_id, n.stream_ordering, n.actions, n.ts,
       n.stream_ordering <= coalesce((
         SELECT max(r.event_stream_ordering) FROM receipts r
         WHERE r.room_id = n.room_id AND r.user_id = $1 AND r.receipt_type IN ('m.read', 'm.read.private')
           AND r.thread_id IN ('', n.thread_id)), 0) AS read
     FROM unnest($2::text[], $3::bigint[]) AS w (room_id, joined_at)
     CROSS JOIN LATERAL (
       SELECT o.room_id, o.event_id, o.stream_ordering, o.thread_id, coalesce(x.actions, o.actions) AS actions, o.ts
       FROM event_push_outcomes o
       LEFT JOIN event_push_exceptions x ON x.user_id = $1 AND x.room_id = o.room_id AND x.stream_ordering = o.stream_ordering
       WHERE o.room_id = w.room_id AND o.stream_ordering > w.joined_at
         AND o.sender <> $1 AND coalesce(x.notify, o.notify)
         AND ($4::bigint IS NULL OR o.stream_ordering < $4)
         AND (NOT $5::boolean OR coalesce(x.highlight, o.highlight))
       ORDER BY o.stream_ordering DESC
       LIMIT $6) AS n
     ORDER BY n.stream_ordering DESC
     LIMIT $6`,
    [userId, rooms.map((r) => r.roomId), rooms.map((r) => r.joinedAt), page.before ?? null, page.onlyHighlight, page.limit],
  );
  return rows.map((r) => ({
    roomId: r.room_id,
    eventId: r.event_id,
    streamOrdering: Number(r.stream_ordering),
    actions: JSON.parse(r.actions) as PushAction[],
    ts: Number(r.ts),
    read: r.read,
  }));
}
