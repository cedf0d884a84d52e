/**
 * Unread notification counts (spec "Receiving notifications"): the events
 * after the user's latest read receipt (m.read or m.read.private, unthreaded
 * or for the event's thread) for which the user's push rules said `notify`,
 * and among them those with the highlight tweak.
 *
 * Push rules are evaluated once per event for every local member when the
 * event is persisted (@lattice/push): event_push_outcomes holds the outcome
 * most members got, event_push_exceptions the members whose outcome differs.
 * Events before the user's join or sent by the user never count.
 */
import { rowsRelation, type Queryable } from '@lattice/storage';
import { MAIN_THREAD } from './thread-of.js';

export interface NotificationCounts {
  notification_count: number;
  highlight_count: number;
}

export interface RoomUnreadCounts {
  /** Every thread together. */
  total: NotificationCounts;
  /** The main timeline only. */
  main: NotificationCounts;
  /** Per thread root, only threads with notifications. */
  threads: Map<string, NotificationCounts>;
}

export interface RoomToCount {
  roomId: string;
  /** Where the user's membership began (events before it were never theirs to be notified of). */
  joinedAt: number;
}

/**
 * An event counts when it is after max(the join, the unthreaded read receipt, the receipt of its own thread).
 * Each part scans only what can still count: the main timeline's notifying outcomes after its receipts, those of
 * threads after the unthreaded receipt (a thread's own receipt filters them), and the user's own outcomes where
 * they differ from the shared one (each replaces the shared outcome's contribution). Both scans are index-only
 * (migrations/0033; its partial indexes name the main thread by the same literal): a row counted once costs a
 * fraction of a microsecond, where a correlated receipt lookup and exception probe per row made a room with 20,000
 * unread cost 57 ms per /sync.
 */
const UNREAD_COUNTS_SQL = (rooms: string): string => `
  WITH joined (room_id, joined_at) AS (SELECT * FROM ${rooms} AS w (room_id, joined_at)),
  read_up_to AS (
    SELECT r.room_id, r.thread_id, max(r.event_stream_ordering) AS pos FROM receipts r
    WHERE r.user_id = $1 AND r.room_id IN (SELECT room_id FROM joined) AND r.receipt_type IN ('m.read', 'm.read.private')
    GROUP BY r.room_id, r.thread_id),
  room_start AS (
    SELECT j.room_id, greatest(j.joined_at, coalesce(u.pos, 0)) AS pos
    FROM joined j LEFT JOIN read_up_to u ON u.room_id = j.room_id AND u.thread_id = ''),
  thread_read AS (SELECT room_id, thread_id, pos FROM read_up_to WHERE thread_id <> ''),
  main_timeline AS (
    SELECT o.room_id, '${MAIN_THREAD}' AS thread_id, count(*) AS n, count(*) FILTER (WHERE o.highlight) AS h
    FROM room_start s LEFT JOIN thread_read t ON t.room_id = s.room_id AND t.thread_id = '${MAIN_THREAD}'
    JOIN event_push_outcomes o ON o.room_id = s.room_id AND o.stream_ordering > greatest(s.pos, coalesce(t.pos, 0)) AND o.stream_ordering <= $4
    WHERE o.notify AND o.thread_id = '${MAIN_THREAD}' AND o.sender <> $1
    GROUP BY o.room_id),
  threads AS (
    SELECT o.room_id, o.thread_id, count(*) AS n, count(*) FILTER (WHERE o.highlight) AS h
    FROM room_start s JOIN event_push_outcomes o ON o.room_id = s.room_id AND o.stream_ordering > s.pos AND o.stream_ordering <= $4
    LEFT JOIN thread_read t ON t.room_id = o.room_id AND t.thread_id = o.thread_id
    WHERE o.notify AND o.thread_id <> '${MAIN_THREAD}' AND o.sender <> $1 AND o.stream_ordering > coalesce(t.pos, 0)
    GROUP BY o.room_id, o.thread_id),
  own_outcomes AS (
    SELECT o.room_id, o.thread_id, sum(x.notify::int - o.notify::int) AS n, sum(x.highlight::int - o.highlight::int) AS h
    FROM room_start s JOIN event_push_exceptions x ON x.user_id = $1 AND x.room_id = s.room_id AND x.stream_ordering > s.pos AND x.stream_ordering <= $4
    JOIN event_push_outcomes o ON o.room_id = x.room_id AND o.stream_ordering = x.stream_ordering
    LEFT JOIN thread_read t ON t.room_id = o.room_id AND t.thread_id = o.thread_id
    WHERE o.sender <> $1 AND o.stream_ordering > coalesce(t.pos, 0)
    GROUP BY o.room_id, o.thread_id)
  SELECT room_id, thread_id, sum(n)::int AS n, sum(h)::int AS h
  FROM (SELECT * FROM main_timeline UNION ALL SELECT * FROM threads UNION ALL SELECT * FROM own_outcomes) AS parts
  GROUP BY room_id, thread_id
  HAVING sum(n) > 0`;

const ZERO = (): NotificationCounts => ({ notification_count: 0, highlight_count: 0 });

export class UnreadCounter {
  constructor(private readonly db: Queryable) {}

  /** Counts as of events stream position `upTo` for each room (rooms without notifications get zeros). */
  async counts(userId: string, rooms: readonly RoomToCount[], upTo: number): Promise<Map<string, RoomUnreadCounts>> {
    const out = new Map<string, RoomUnreadCounts>();
    for (const { roomId } of rooms) out.set(roomId, { total: ZERO(), main: ZERO(), threads: new Map() });
    if (rooms.length === 0) return out;
    const counted = rowsRelation(2, [['text', rooms.map((r) => r.roomId)], ['bigint', rooms.map((r) => r.joinedAt)]]);
    const { rows } = await this.db.query<{ room_id: string; thread_id: string; n: number; h: number }>(UNREAD_COUNTS_SQL(counted.sql), [
      userId,
      ...counted.params,
      upTo,
    ]);
    for (const r of rows) {
      const counts = out.get(r.room_id)!;
      counts.total.notification_count += r.n;
      counts.total.highlight_count += r.h;
      if (r.thread_id !== MAIN_THREAD) {
        counts.threads.set(r.thread_id, { notification_count: r.n, highlight_count: r.h });
      } else {
        counts.main.notification_count += r.n;
        counts.main.highlight_count += r.h;
      }
    }
    return out;
  }
}
