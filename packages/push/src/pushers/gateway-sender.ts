/**
 * Sends one push to an HTTP pusher's gateway (push-gateway-api: POST
 * /_matrix/push/v1/notify). The notification is built when it is sent, so a
 * retry carries the counts of that moment. A gateway error (5xx, 429) or no
 * answer throws, for the queue to retry with backoff; other 4xx answers are
 * final. Pushkeys the gateway rejects lose their pusher.
 *
 * The gateway URL is a user's choice: it is fetched through the outbound
 * address policy (ip_range_blacklist / ip_range_whitelist), so a pusher cannot
 * make this server POST into its private networks; a refused address is final.
 */
import { AddressPolicy, OutboundError, safeFetch, type HomeserverConfig, type Logger, type SafeResponse } from '@lattice/core';
import type { ReplicationHub } from '@lattice/replication';
import type { RoomStore, StoredEvent } from '@lattice/rooms';
import type { Database } from '@lattice/storage';
import { UnreadCounter, UnreadMemo } from '@lattice/sync';
import { deletePusher, getPusher, type Pusher } from './pusher-store.js';
import type { PushJob } from './push-queue.js';

const GATEWAY_TIMEOUT_MS = 15_000;
/** A gateway's answer is a small JSON object (`rejected` pushkeys). */
const MAX_ANSWER_BYTES = 64 * 1024;

export interface GatewaySenderDeps {
  db: Database;
  store: RoomStore;
  logger: Logger;
  config: Pick<HomeserverConfig, 'ip_range_blacklist' | 'ip_range_whitelist'>;
  /** This process's replication: the badge is counted at a persisted-up-to position that covers the pushed event. */
  hub: ReplicationHub;
}

/** How long a push waits for this process to see its event before counting the badge without the memo. */
const BADGE_CATCH_UP_MS = 2_000;

/** A gateway answer worth another try later. */
export class PushGatewayError extends Error {}

export class PushGatewaySender {
  /** Extends each room's last badge share by the events after it (unread-memo.ts): a busy unread room costs its new events only. */
  private readonly extending: UnreadCounter;
  /** Counts everything: for a push whose event this process has not seen in time. */
  private readonly counting: UnreadCounter;
  private readonly policy: AddressPolicy;
  private readonly offPurge: () => void;

  constructor(private readonly deps: GatewaySenderDeps) {
    const memo = new UnreadMemo({ cacheName: 'push_badge_unread_counts' });
    this.offPurge = deps.store.onRoomPurged((roomId) => memo.forgetRoom(roomId));
    this.extending = new UnreadCounter(deps.db, memo);
    this.counting = new UnreadCounter(deps.db);
    this.policy = new AddressPolicy(deps.config.ip_range_blacklist, deps.config.ip_range_whitelist);
  }

  /** Stops following purges (the memo goes with the sender). */
  close(): void {
    this.offPurge();
  }

  async send(job: PushJob): Promise<void> {
    const { db, store, logger } = this.deps;
    const pusher = await getPusher(db, job.userId, job.appId, job.pushkey);
    if (!pusher || pusher.kind !== 'http' || typeof pusher.data.url !== 'string') return; // deleted since
    const stored = await store.getEvent(job.eventId);
    if (!stored) return;
    const notification = await this.notification(pusher, stored, job);
    let response: SafeResponse;
    try {
      response = await safeFetch(pusher.data.url, {
        policy: this.policy,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ notification }),
        maxBytes: MAX_ANSWER_BYTES,
        timeoutMs: GATEWAY_TIMEOUT_MS,
      });
    } catch (err) {
      if (err instanceof OutboundError && (err.reason === 'blocked' || err.reason === 'bad_url')) {
        logger.warn({ appId: pusher.appId, reason: err.reason }, 'push gateway URL refused by the outbound address policy');
        return;
      }
      throw new PushGatewayError(`push gateway unreachable: ${(err as Error).message}`);
    }
    const text = response.body.toString('utf8');
    if (response.status >= 500 || response.status === 429) throw new PushGatewayError(`push gateway answered ${response.status}`);
    if (response.status >= 400) {
      logger.warn({ status: response.status, appId: pusher.appId }, 'push gateway refused a notification');
      return;
    }
    if (rejectedPushkeys(text).includes(pusher.pushkey)) {
      logger.info({ userId: pusher.userId, appId: pusher.appId }, 'push gateway rejected the pushkey; removing the pusher');
      await deletePusher(db, pusher.userId, pusher.appId, pusher.pushkey);
    }
  }

  private async notification(pusher: Pusher, stored: StoredEvent, job: PushJob): Promise<Record<string, unknown>> {
    const { event } = stored;
    const { url: _url, ...data } = pusher.data;
    const device = { app_id: pusher.appId, pushkey: pusher.pushkey, pushkey_ts: Math.floor(pusher.pushkeyTs / 1000), data, tweaks: job.tweaks };
    const prio = event.type === 'm.room.encrypted' || job.tweaks.highlight === true || typeof job.tweaks.sound === 'string' ? 'high' : 'low';
    const base = { event_id: event.event_id, room_id: event.room_id, counts: { unread: await this.unreadCount(pusher.userId, stored.streamOrdering) }, devices: [device], prio };
    if (data.format === 'event_id_only') return base;
    const { store } = this.deps;
    const [senderMember, name, alias] = await Promise.all([
      store.currentStateEvent(event.room_id, 'm.room.member', event.sender),
      store.currentStateEvent(event.room_id, 'm.room.name', ''),
      store.currentStateEvent(event.room_id, 'm.room.canonical_alias', ''),
    ]);
    const text = (stored: StoredEvent | undefined, key: string) => {
      const value = stored?.event.content[key];
      return typeof value === 'string' && value !== '' ? value : undefined;
    };
    const optional: Record<string, unknown> = {};
    const senderName = text(senderMember, 'displayname');
    if (senderName !== undefined) optional.sender_display_name = senderName;
    const roomName = text(name, 'name');
    if (roomName !== undefined) optional.room_name = roomName;
    const roomAlias = text(alias, 'alias');
    if (roomAlias !== undefined) optional.room_alias = roomAlias;
    return {
      ...base,
      type: event.type,
      sender: event.sender,
      ...optional,
      user_is_target: event.type === 'm.room.member' && event.state_key === pusher.userId,
      content: event.content,
    };
  }

  /**
   * The badge: unread notifications over every joined room. Counted, once this process has seen the pushed
   * event (at `position`), at its persisted-up-to position, as a sync is: every event at or below it was
   * committed with its push outcomes, so each room's last count is extended by the events after it. A push
   * whose event is not seen in time counts everything stored so far instead.
   */
  private async unreadCount(userId: string, position: number): Promise<number> {
    const { store, hub } = this.deps;
    const [joined, seen] = await Promise.all([
      store.roomsForUser(userId, ['join']),
      hub.waitForPositions({ events: position }, BADGE_CATCH_UP_MS),
    ]);
    const counter = seen ? this.extending : this.counting;
    const counts = await counter.counts(
      userId,
      joined.map((m) => ({ roomId: m.roomId, joinedAt: m.streamOrdering })),
      seen ? hub.currentToken().get('events').min : Number.MAX_SAFE_INTEGER,
    );
    let total = 0;
    for (const room of counts.values()) total += room.total.notification_count;
    return total;
  }
}

function rejectedPushkeys(text: string): string[] {
  try {
    const body = JSON.parse(text) as { rejected?: unknown };
    return Array.isArray(body.rejected) ? body.rejected.filter((k): k is string => typeof k === 'string') : [];
  } catch {
    return [];
  }
}
