/**
 * Unread notification counts (spec "Receiving notifications"): the events
 * after the user's latest read receipt (m.read or m.read.private, unthreaded
 * or for the event's thread) for which the user's push rules said `notify`,
 * and among them those with the highlight tweak.
 *
 * Push rules are evaluated once per event for every local member when the
 * event is persisted (@lattice/push): event_push_outcomes holds the outcome
 * most members got, event_push_exceptions the members whose outcome differs.
 * Counting is an index range over the room's notifying events after the
 * receipt; events before the user's join or sent by the user never count.
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

const ZERO = (): NotificationCounts => ({ notification_count: 0, highlight_count: 0 });

export class UnreadCounter {
  constructor(private readonly db: Queryable) {}

  /** Counts as of events stream position `upTo` for each room (rooms without notifications get zeros). */
  async counts(userId: string, rooms: readonly RoomToCount[], upTo: number): Promise<Map<string, RoomUnreadCounts>> {
    const out = new Map<string, RoomUnreadCounts>();
    for (const { roomId } of rooms) out.set(roomId, { total: ZERO(), main: ZERO(), threads: new Map() });
    if (rooms.length === 0) return out;
    const counted = rowsRelation(2, [['text', rooms.map((r) => r.roomId)], ['bigint', rooms.map((r) => r.joinedAt)]]);
    const { rows } = await this.db.query<{ room_id: string; thread_id: string; n: number; h: number }>(
      `SELECT o.room_id, o.thread_id, count(*) AS n, count(*) FILTER (WHERE coalesce(x.highlight, o.highlight)) AS h
       FROM ${counted.sql} AS w (room_id, joined_at)
       JOIN event_push_outcomes o ON o.room_id = w.room_id AND o.stream_ordering > w.joined_at AND o.stream_ordering <= $4
       LEFT JOIN event_push_exceptions x ON x.user_id = $1 AND x.room_id = o.room_id AND x.stream_ordering = o.stream_ordering
       WHERE o.sender <> $1 AND coalesce(x.notify, o.notify)
         AND o.stream_ordering > coalesce((
           SELECT max(r.event_stream_ordering) FROM receipts r
           WHERE r.room_id = o.room_id AND r.user_id = $1 AND r.receipt_type IN ('m.read', 'm.read.private')
             AND r.thread_id IN ('', o.thread_id)), 0)
       GROUP BY o.room_id, o.thread_id`,
      [userId, ...counted.params, upTo],
    );
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
