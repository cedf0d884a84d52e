/**
 * Unread notification counts (spec "Receiving notifications"): the events
 * after the user's latest read receipt (m.read or m.read.private, unthreaded
 * or for the event's thread) for which the user's push rules say `notify`,
 * and among them those with the highlight tweak.
 *
 * Each (user, room) remembers how far its events were evaluated
 * (event_push_summary_position) and keeps only the notifying ones
 * (event_push_actions), so a sync evaluates just the events that arrived since
 * the previous one, and counting is an index range after the receipt.
 */
import { preparePushEvent, type PushRoomContext } from '@lattice/core';
import type { RoomStore, StoredEvent } from '@lattice/rooms';
import type { Database } from '@lattice/storage';
import { MAIN_THREAD, threadOf } from './thread-of.js';
import type { PushRulesCache } from './push-rules-cache.js';

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
  constructor(
    private readonly db: Database,
    private readonly store: RoomStore,
    private readonly rules: PushRulesCache,
  ) {}

  /** Counts as of events stream position `upTo` for each room (rooms without notifications get zeros). */
  async counts(userId: string, rooms: readonly RoomToCount[], upTo: number): Promise<Map<string, RoomUnreadCounts>> {
    await this.evaluateNewEvents(userId, rooms, upTo);
    const out = new Map<string, RoomUnreadCounts>();
    for (const { roomId } of rooms) out.set(roomId, { total: ZERO(), main: ZERO(), threads: new Map() });
    if (rooms.length === 0) return out;
    const { rows } = await this.db.query<{ room_id: string; thread_id: string; n: number; h: number }>(
      `SELECT a.room_id, a.thread_id, count(*) AS n, count(*) FILTER (WHERE a.highlight) AS h
       FROM event_push_actions a
       WHERE a.user_id = $1 AND a.room_id = ANY($2::text[]) AND a.stream_ordering <= $3
         AND a.stream_ordering > coalesce((
           SELECT max(r.event_stream_ordering) FROM receipts r
           WHERE r.room_id = a.room_id AND r.user_id = $1 AND r.receipt_type IN ('m.read', 'm.read.private')
             AND r.thread_id IN ('', a.thread_id)), 0)
       GROUP BY a.room_id, a.thread_id`,
      [userId, rooms.map((r) => r.roomId), upTo],
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

  /** Evaluates the user's rules against the rooms' events not evaluated yet, up to `upTo`. */
  private async evaluateNewEvents(userId: string, rooms: readonly RoomToCount[], upTo: number): Promise<void> {
    if (rooms.length === 0) return;
    const roomIds = rooms.map((r) => r.roomId);
    const { rows: done } = await this.db.query<{ room_id: string; up_to: number }>(
      'SELECT room_id, up_to FROM event_push_summary_position WHERE user_id = $1 AND room_id = ANY($2::text[])',
      [userId, roomIds],
    );
    const evaluatedTo = new Map(done.map((r) => [r.room_id, r.up_to]));
    const pending = rooms
      .map((r) => ({ roomId: r.roomId, from: Math.max(evaluatedTo.get(r.roomId) ?? 0, r.joinedAt) }))
      .filter((r) => r.from < upTo);
    if (pending.length === 0) return;

    const { rows } = await this.db.query<{ event_id: string }>(
      `SELECT e.event_id FROM unnest($1::text[], $2::bigint[]) AS w (room_id, lo)
       JOIN events e ON e.room_id = w.room_id AND e.stream_ordering > w.lo AND e.stream_ordering <= $3
       WHERE e.sender <> $4 AND NOT e.outlier AND e.rejected_reason IS NULL AND NOT e.soft_failed`,
      [pending.map((p) => p.roomId), pending.map((p) => p.from), upTo, userId],
    );
    const events = [...(await this.store.getEvents(rows.map((r) => r.event_id))).values()];
    const notifying = await this.notifying(userId, events);

    await this.db.transaction(async (tx) => {
      if (notifying.length > 0) {
        await tx.query(
          `INSERT INTO event_push_actions (user_id, room_id, stream_ordering, event_id, thread_id, highlight)
           SELECT $1, * FROM unnest($2::text[], $3::bigint[], $4::text[], $5::text[], $6::boolean[])
           ON CONFLICT DO NOTHING`,
          [
            userId,
            notifying.map((n) => n.stored.event.room_id),
            notifying.map((n) => n.stored.streamOrdering),
            notifying.map((n) => n.stored.event.event_id),
            notifying.map((n) => threadOf(n.stored.event.content)),
            notifying.map((n) => n.highlight),
          ],
        );
      }
      await tx.query(
        `INSERT INTO event_push_summary_position (user_id, room_id, up_to)
         SELECT $1, room_id, $3 FROM unnest($2::text[]) AS r (room_id)
         ON CONFLICT (user_id, room_id) DO UPDATE SET up_to = GREATEST(event_push_summary_position.up_to, EXCLUDED.up_to)`,
        [userId, pending.map((p) => p.roomId), upTo],
      );
    });
  }

  private async notifying(userId: string, events: readonly StoredEvent[]): Promise<Array<{ stored: StoredEvent; highlight: boolean }>> {
    if (events.length === 0) return [];
    const rules = this.rules.rulesFor(userId);
    const contexts = new Map<string, { room: PushRoomContext; users: Record<string, unknown>; usersDefault: number; displayName?: string }>();
    const out: Array<{ stored: StoredEvent; highlight: boolean }> = [];
    for (const stored of events) {
      const roomId = stored.event.room_id;
      let context = contexts.get(roomId);
      if (!context) contexts.set(roomId, (context = await this.roomContext(roomId, userId)));
      const levels = context.users[stored.event.sender];
      const result = rules.evaluate(
        preparePushEvent(stored.event as unknown as Parameters<typeof preparePushEvent>[0]),
        { ...context.room, senderPowerLevel: typeof levels === 'number' ? levels : context.usersDefault },
        context.displayName,
      );
      if (result.notify) out.push({ stored, highlight: result.highlight });
    }
    return out;
  }

  /** Facts the rules read about a room (current state: close enough for counting). */
  private async roomContext(roomId: string, userId: string) {
    const [members, powerLevels, ownMember] = await Promise.all([
      this.store.joinedMembers(roomId),
      this.store.currentStateEvent(roomId, 'm.room.power_levels', ''),
      this.store.currentStateEvent(roomId, 'm.room.member', userId),
    ]);
    const pl = powerLevels?.event.content ?? {};
    const notifications = typeof pl.notifications === 'object' && pl.notifications !== null ? (pl.notifications as Record<string, number>) : {};
    const users = typeof pl.users === 'object' && pl.users !== null ? (pl.users as Record<string, unknown>) : {};
    const displayName = ownMember?.event.content.displayname;
    return {
      room: { memberCount: members.size, senderPowerLevel: 0, notificationPowerLevels: notifications },
      users,
      usersDefault: typeof pl.users_default === 'number' ? pl.users_default : 0,
      ...(typeof displayName === 'string' ? { displayName } : {}),
    };
  }
}
