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
import type { RoomStore, StoredEvent } from '@lattice/rooms';
import type { Database } from '@lattice/storage';
import { UnreadCounter } from '@lattice/sync';
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
}

/** A gateway answer worth another try later. */
export class PushGatewayError extends Error {}

export class PushGatewaySender {
  private readonly unread: UnreadCounter;
  private readonly policy: AddressPolicy;

  constructor(private readonly deps: GatewaySenderDeps) {
    this.unread = new UnreadCounter(deps.db);
    this.policy = new AddressPolicy(deps.config.ip_range_blacklist, deps.config.ip_range_whitelist);
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
    const base = { event_id: event.event_id, room_id: event.room_id, counts: { unread: await this.unreadCount(pusher.userId) }, devices: [device], prio };
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

  /** The badge: unread notifications over every joined room. */
  private async unreadCount(userId: string): Promise<number> {
    const joined = await this.deps.store.roomsForUser(userId, ['join']);
    const counts = await this.unread.counts(
      userId,
      joined.map((m) => ({ roomId: m.roomId, joinedAt: m.streamOrdering })),
      Number.MAX_SAFE_INTEGER,
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
