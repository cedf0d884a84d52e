/**
 * From an event's notified users to push jobs: one per HTTP pusher of each of
 * them, carrying the matched rule's tweaks. Runs after the notifications are
 * stored and never holds up the events' publication.
 *
 * Which joined members of a room have pushers at all is remembered per room for a
 * few seconds (a room of 10,000 must not look 10,000 users up per message), one
 * lookup at a time. A pusher change announced by any worker (pusher-changes.ts)
 * clears it at once, and so does a membership event of the room persisted here
 * (a user who accepts an invite is pushed the reply that follows at once); the
 * TTL only bounds what nothing announces, such as a pusher a gateway rejected.
 */
import type { PushResult } from '@lattice/core';
import type { Queryable } from '@lattice/storage';
import type { EventNotifications } from '../notifications/notification-fanout.js';
import { pushersOfUsers } from './pusher-store.js';
import type { PushJob, PushQueue } from './push-queue.js';

const PUSHER_CACHE_TTL_MS = 5_000;

export class PushDispatcher {
  private readonly rooms = new Map<string, { at: number; users: Promise<ReadonlySet<string>> }>();

  constructor(
    private readonly db: Queryable,
    private readonly queue: PushQueue,
    private readonly clock: () => number = Date.now,
  ) {}

  /** A pusher was set or deleted here. */
  pushersChanged(): void {
    this.rooms.clear();
  }

  /** A membership in the room changed: its members with pushers are read again (a user who just joined is pushed at once). */
  membershipChanged(roomId: string): void {
    this.rooms.delete(roomId);
  }

  async dispatch(batch: readonly EventNotifications[]): Promise<void> {
    for (const outcome of batch) {
      const { event } = outcome;
      const users = new Set(await this.usersWithPushers(event.room_id));
      // An invitee is not a member yet: its pushers are looked up directly.
      if (event.type === 'm.room.member' && event.content['membership'] === 'invite' && event.state_key) users.add(event.state_key);
      const results = new Map<string, PushResult>();
      for (let i = 0; i < outcome.users.length; i++) {
        if (outcome.results[i]!.notify && users.has(outcome.users[i]!)) results.set(outcome.users[i]!, outcome.results[i]!);
      }
      if (results.size === 0) continue;
      const jobs: PushJob[] = [];
      for (const pusher of await pushersOfUsers(this.db, [...results.keys()])) {
        const result = results.get(pusher.userId);
        if (!result || pusher.kind !== 'http') continue;
        jobs.push({
          userId: pusher.userId,
          appId: pusher.appId,
          pushkey: pusher.pushkey,
          roomId: event.room_id,
          eventId: event.event_id,
          tweaks: { ...result.tweaks },
        });
      }
      await this.queue.add(jobs);
    }
  }

  /** The room's joined local members with a pusher. */
  private usersWithPushers(roomId: string): Promise<ReadonlySet<string>> {
    const now = this.clock();
    const cached = this.rooms.get(roomId);
    if (cached && now - cached.at < PUSHER_CACHE_TTL_MS) return cached.users;
    const users = this.db
      .query<{ user_id: string }>(
        `SELECT DISTINCT p.user_id FROM local_current_membership m JOIN pushers p ON p.user_id = m.user_id
         WHERE m.room_id = $1 AND m.membership = 'join'`,
        [roomId],
      )
      .then(({ rows }) => new Set(rows.map((r) => r.user_id)) as ReadonlySet<string>);
    this.rooms.set(roomId, { at: now, users });
    users.catch(() => this.rooms.delete(roomId));
    return users;
  }
}
