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
import type { ThreadCounts, UnreadMemo } from './unread-memo.js';

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
 * unread cost 57 ms per /sync. A room asked with a memo (counted_to > 0) whose receipts are still those the memo
 * was counted with (receipts_then) is counted from counted_to on only: `extended` says so, and the caller adds the
 * memo's counts. The room's own row (thread_id null) carries its receipts for the next memo.
 */
const UNREAD_COUNTS_SQL = (rooms: string): string => `
  WITH asked (room_id, joined_at, counted_to, receipts_then) AS (SELECT * FROM ${rooms} AS w (room_id, joined_at, counted_to, receipts_then)),
  read_up_to AS (
    SELECT r.room_id, r.thread_id, max(r.event_stream_ordering) AS pos FROM receipts r
    WHERE r.user_id = $1 AND r.room_id IN (SELECT room_id FROM asked) AND r.receipt_type IN ('m.read', 'm.read.private')
    GROUP BY r.room_id, r.thread_id),
  receipts_now AS (SELECT room_id, string_agg(thread_id || '=' || pos, ',' ORDER BY thread_id) AS receipts FROM read_up_to GROUP BY room_id),
  joined AS (
    SELECT a.room_id, a.joined_at, a.counted_to, coalesce(n.receipts, '') AS receipts,
      coalesce(n.receipts, '') = a.receipts_then AND a.counted_to > 0 AS extended
    FROM asked a LEFT JOIN receipts_now n ON n.room_id = a.room_id),
  room_start AS (
    SELECT j.room_id, greatest(j.joined_at, CASE WHEN j.extended THEN j.counted_to ELSE 0 END, coalesce(u.pos, 0)) AS pos
    FROM joined j LEFT JOIN read_up_to u ON u.room_id = j.room_id AND u.thread_id = ''),
  thread_read AS (SELECT room_id, thread_id, pos FROM read_up_to WHERE thread_id <> ''),
  main_timeline AS (
    SELECT o.room_id, '${MAIN_THREAD}' AS thread_id, count(*) AS n, count(*) FILTER (WHERE o.highlight) AS h
    FROM room_start s LEFT JOIN thread_read t ON t.room_id = s.room_id AND t.thread_id = '${MAIN_THREAD}'
    JOIN event_push_outcomes o ON o.room_id = s.room_id AND o.stream_ordering > greatest(s.pos, coalesce(t.pos, 0)) AND o.stream_ordering <= $6
    WHERE o.notify AND o.thread_id = '${MAIN_THREAD}' AND o.sender <> $1
    GROUP BY o.room_id),
  threads AS (
    SELECT o.room_id, o.thread_id, count(*) AS n, count(*) FILTER (WHERE o.highlight) AS h
    FROM room_start s JOIN event_push_outcomes o ON o.room_id = s.room_id AND o.stream_ordering > s.pos AND o.stream_ordering <= $6
    LEFT JOIN thread_read t ON t.room_id = o.room_id AND t.thread_id = o.thread_id
    WHERE o.notify AND o.thread_id <> '${MAIN_THREAD}' AND o.sender <> $1 AND o.stream_ordering > coalesce(t.pos, 0)
    GROUP BY o.room_id, o.thread_id),
  own_outcomes AS (
    SELECT o.room_id, o.thread_id, sum(x.notify::int - o.notify::int) AS n, sum(x.highlight::int - o.highlight::int) AS h
    FROM room_start s JOIN event_push_exceptions x ON x.user_id = $1 AND x.room_id = s.room_id AND x.stream_ordering > s.pos AND x.stream_ordering <= $6
    JOIN event_push_outcomes o ON o.room_id = x.room_id AND o.stream_ordering = x.stream_ordering
    LEFT JOIN thread_read t ON t.room_id = o.room_id AND t.thread_id = o.thread_id
    WHERE o.sender <> $1 AND o.stream_ordering > coalesce(t.pos, 0)
    GROUP BY o.room_id, o.thread_id)
  SELECT room_id, thread_id, sum(n)::int AS n, sum(h)::int AS h, NULL AS receipts, NULL::boolean AS extended
  FROM (SELECT * FROM main_timeline UNION ALL SELECT * FROM threads UNION ALL SELECT * FROM own_outcomes) AS parts
  GROUP BY room_id, thread_id
  HAVING sum(n) > 0
  UNION ALL
  SELECT room_id, NULL, 0, 0, receipts, extended FROM joined`;

const ZERO = (): NotificationCounts => ({ notification_count: 0, highlight_count: 0 });

interface CountRow {
  room_id: string;
  /** null: the room's own row (its receipts, and whether its counts extend the memo's). */
  thread_id: string | null;
  n: number;
  h: number;
  receipts: string | null;
  extended: boolean | null;
}

export class UnreadCounter {
  /**
   * `memo`: extend each room's last count by the events after it (unread-memo.ts). Only for counts at
   * persisted-up-to positions, as a sync's are; without it every count reads all the room's unread events.
   */
  constructor(
    private readonly db: Queryable,
    private readonly memo?: UnreadMemo,
  ) {}

  /** Counts as of events stream position `upTo` for each room (rooms without notifications get zeros). */
  async counts(userId: string, rooms: readonly RoomToCount[], upTo: number): Promise<Map<string, RoomUnreadCounts>> {
    const out = new Map<string, RoomUnreadCounts>();
    if (rooms.length === 0) return out;
    const memos = rooms.map((r) => this.memo?.usable(userId, r.roomId, r.joinedAt, upTo));
    const counted = rowsRelation(2, [
      ['text', rooms.map((r) => r.roomId)],
      ['bigint', rooms.map((r) => r.joinedAt)],
      ['bigint', memos.map((m) => m?.upTo ?? 0)],
      ['text', memos.map((m) => m?.receipts ?? '')],
    ]);
    const { rows } = await this.db.query<CountRow>(UNREAD_COUNTS_SQL(counted.sql), [userId, ...counted.params, upTo]);
    const read = new Map<string, { threads: ThreadCounts; receipts: string; extended: boolean }>();
    for (const { roomId } of rooms) read.set(roomId, { threads: new Map(), receipts: '', extended: false });
    for (const r of rows) {
      const room = read.get(r.room_id)!;
      if (r.thread_id === null) {
        room.receipts = r.receipts!;
        room.extended = r.extended!;
      } else room.threads.set(r.thread_id, [r.n, r.h]);
    }
    rooms.forEach(({ roomId, joinedAt }, i) => {
      const { threads, receipts, extended } = read.get(roomId)!;
      if (extended) addCounts(threads, memos[i]!.threads);
      this.memo?.remember(userId, roomId, { joinedAt, upTo, receipts, threads });
      out.set(roomId, roomCounts(threads));
    });
    return out;
  }
}

/** Adds `earlier`'s counts into `into`, thread by thread. */
function addCounts(into: ThreadCounts, earlier: ThreadCounts): void {
  for (const [thread, [n, h]] of earlier) {
    const [n0, h0] = into.get(thread) ?? [0, 0];
    into.set(thread, [n0 + n, h0 + h]);
  }
}

function roomCounts(threads: ThreadCounts): RoomUnreadCounts {
  const counts: RoomUnreadCounts = { total: ZERO(), main: ZERO(), threads: new Map() };
  for (const [thread, [n, h]] of threads) {
    counts.total.notification_count += n;
    counts.total.highlight_count += h;
    if (thread !== MAIN_THREAD) {
      counts.threads.set(thread, { notification_count: n, highlight_count: h });
    } else {
      counts.main.notification_count += n;
      counts.main.highlight_count += h;
    }
  }
  return counts;
}
