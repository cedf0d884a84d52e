/**
 * Outbound federation (ARCHITECTURE.md §7): local events of rooms with
 * members on other servers are turned into rows of the durable
 * per-destination outbox, from the events table itself (resuming from the
 * sender's stored position, so events persisted while the sender was down are
 * sent after it restarts); then each destination gets one transaction in
 * flight at a time (≤ 50 PDUs, ≤ 100 EDUs), with exponential backoff while it
 * fails. The outbox and each destination's backoff live in PostgreSQL; when a
 * backing-off destination is due is left to a RetrySchedule: timers in the
 * single process, delayed BullMQ jobs in the worker split (one queue per
 * federation-sender instance, so each destination's retries stay with its
 * owner). Redis only holds wake-ups: on start the sender schedules every
 * backing-off destination again, and the periodic outbox sweep sends to any
 * destination that is due, so nothing is lost when Redis is flushed.
 */
import { TimerRetrySchedule, federationSent, federationTransactions, serverNameOf, type RetrySchedule, type RoomEvent } from '@lattice/core';
import { onCacheInvalidation } from '@lattice/replication';
import { Lru } from '@lattice/rooms';
import type { FederationDeps } from '../api.js';
import { wirePdu } from '../rooms/wire-events.js';
import { MAX_TXN_EDUS, MAX_TXN_PDUS } from '../inbound/transaction-limits.js';
import { DESTINATION_RETRY_CACHE, DestinationStatusStore } from './destination-status.js';
import { OutboxStore, type OutboxItem } from './outbox-store.js';

export interface FederationSenderOptions {
  /** The sender's name for its stored position. Default 'federation_sender'. */
  instanceName?: string;
  /** First retry delay after a failure; doubled per failure up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  clock?: () => number;
  /**
   * Only queue (forward, queueEdu) and never send: a process of the worker split without the
   * sending role (federation-inbound) writes the durable outbox the federation sender sends from.
   */
  queueOnly?: boolean;
  /**
   * With queueOnly: told of each destination something was queued for, so the process that sends to it
   * can be asked to send now (its outbox sweep is the fallback).
   */
  onQueued?: (destination: string) => void;
  /**
   * How often the outbox is looked at for destinations other processes queued for (default 2 s;
   * 0: never). Items this sender queues itself are sent at once.
   */
  sweepIntervalMs?: number;
  /**
   * The destinations this sender sends to (federation_sender_instances: each replica owns its share by a
   * consistent hash). Every replica follows the same streams; each queues and sends only its own. Default: all.
   */
  owns?: (destination: string) => boolean;
  /**
   * When backing-off destinations are tried again (default: in-process timers). The sender
   * takes it over: it consumes it from start() on and closes it on stop().
   */
  schedule?: RetrySchedule;
}

/** An EDU for one destination (FederationSender.queueEdus). */
export interface QueuedEdu {
  destination: string;
  eduType: string;
  content: Record<string, unknown>;
  /** Replaces the destination's queued EDU of the same type and key. */
  key?: string;
  /** Dropped unsent once this time (ms since the epoch) has passed. */
  expiresTs?: number;
}

/** A room's other servers → events-stream position of their earliest current join. */
type RoomServers = Map<string, number>;

/** Rooms whose servers the sender keeps in memory. */
const ROOM_SERVERS_CACHED = 10_000;
/** Events read per catch-up round. */
const CATCH_UP_BATCH = 500;

export class FederationSender {
  readonly outbox: OutboxStore;
  private readonly instance: string;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly clock: () => number;
  private readonly queueOnly: boolean;
  private readonly onQueued: ((destination: string) => void) | undefined;
  private readonly owns: (destination: string) => boolean;
  private readonly sweepIntervalMs: number;
  private sweepTimer: NodeJS.Timeout | undefined;
  private position = 0;
  /** The highest events-stream position of rows that concern other servers, once heard of (see start()). */
  private awaited = 0;
  private catchingUp: Promise<void> | undefined;
  private catchUpAgain = false;
  private readonly sending = new Map<string, Promise<void>>();
  private readonly resend = new Set<string>();
  private readonly schedule: RetrySchedule;
  private unsubscribe: (() => void) | undefined;
  private offRetryRequests: (() => void) | undefined;
  private readonly status: DestinationStatusStore;
  /**
   * Destinations whose last transaction from here succeeded: not backing off (only this
   * sender, their owner, starts a backoff), so their next round reads no backoff row.
   */
  private readonly reachable = new Set<string>();
  private stopped = false;
  /**
   * Each room's other servers (from current state) with the events-stream
   * position of their earliest current join, kept until a membership event of
   * the room goes by: most events are in rooms whose servers did not change,
   * and rooms with no other server need nothing read at all.
   */
  private readonly roomServers = new Lru<string, RoomServers>(ROOM_SERVERS_CACHED);

  constructor(
    private readonly deps: FederationDeps,
    options: FederationSenderOptions = {},
  ) {
    this.outbox = new OutboxStore(deps.ctx.db);
    this.status = new DestinationStatusStore(deps.ctx.db, deps.ctx.rooms.store);
    this.instance = options.instanceName ?? 'federation_sender';
    this.initialBackoffMs = options.initialBackoffMs ?? 5_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 24 * 3600_000;
    this.clock = options.clock ?? Date.now;
    this.queueOnly = options.queueOnly ?? false;
    this.onQueued = options.onQueued;
    this.owns = options.owns ?? (() => true);
    this.sweepIntervalMs = options.sweepIntervalMs ?? 2_000;
    this.schedule = options.schedule ?? new TimerRetrySchedule(deps.ctx.logger, this.clock);
  }

  /** Resumes from the stored position (first start: from now), then follows new events. */
  async start(): Promise<void> {
    const stored = await this.outbox.position(this.instance);
    if (stored === undefined) {
      const { rows } = await this.deps.ctx.db.query<{ max: string | null }>('SELECT max(stream_ordering) AS max FROM events');
      this.position = Number(rows[0]?.max ?? 0);
      await this.outbox.setPosition(this.deps.ctx.db, this.instance, this.position);
    } else this.position = stored;
    this.unsubscribe = this.deps.ctx.rooms.hub.onUpdate('events', (update) => {
      // Events of rooms known to have no other server need no catch-up now; the next one that does covers them.
      for (const row of update.rows) {
        if (row.type === 'm.room.member') this.roomServers.delete(row.room_id);
        if (this.roomServers.get(row.room_id)?.size !== 0) this.awaited = Math.max(this.awaited, update.rowsPosition ?? update.position);
      }
      // With several event persisters, a row is readable (below the stream's safe position) only once the
      // other persisters announce positions past it, often in a later update without rows: every update
      // tries again until the catch-up got past what it awaits (handlers run before positions advance).
      if (this.awaited > this.position) setImmediate(() => void this.catchUp());
    });
    // An admin's reset_connection (any worker) ended these destinations' backoff: try them now.
    this.offRetryRequests = onCacheInvalidation(this.deps.ctx.rooms.hub, DESTINATION_RETRY_CACHE, (keys) => keys?.forEach((d) => this.kick(d)));
    await this.catchUp();
    if (!this.queueOnly) {
      this.schedule.onDue((destination) => this.kick(destination));
      await this.sweep();
      // Backoffs outlive the process (and Redis): schedule them again.
      for (const { destination, retryAfterTs } of await this.outbox.backingOff(this.clock())) {
        if (this.owns(destination)) this.retryLater(destination, retryAfterTs);
      }
    }
    if (this.sweepIntervalMs > 0) {
      this.sweepTimer = setInterval(() => void this.sweep().catch((err: unknown) => this.deps.ctx.logger.warn({ err }, 'federation sender: outbox sweep failed')), this.sweepIntervalMs);
      this.sweepTimer.unref();
    }
  }

  /** Sends what the outbox holds for destinations not backing off (queued by this process or another). */
  private async sweep(): Promise<void> {
    for (const destination of await this.outbox.ready(this.clock())) if (this.owns(destination)) this.kick(destination);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.unsubscribe?.();
    this.offRetryRequests?.();
    await Promise.allSettled([this.catchingUp, ...this.sending.values()]);
    await this.schedule.close();
  }

  /** Queues an EDU for a destination (typing, receipts, presence, device lists, to-device…). */
  async queueEdu(destination: string, eduType: string, content: Record<string, unknown>): Promise<void> {
    if (!this.owns(destination)) return;
    await this.outbox.enqueue(this.deps.ctx.db, [{ destination, kind: 'edu', payload: { edu_type: eduType, content } }], this.clock());
    this.kick(destination);
  }

  /**
   * Queues EDUs for their destinations in one write. A keyed EDU replaces the
   * destination's queued one with the same key, and one with an expiry is
   * dropped unsent after it: ephemeral EDUs (typing, receipts, presence)
   * never pile up for a server that is down.
   */
  async queueEdus(all: readonly QueuedEdu[]): Promise<void> {
    const edus = all.filter((e) => this.owns(e.destination));
    if (edus.length === 0) return;
    const items = edus.map(({ destination, eduType, content, key, expiresTs }): OutboxItem => ({
      destination,
      kind: 'edu',
      payload: { edu_type: eduType, content },
      key: key === undefined ? undefined : `${eduType} ${key}`,
      expiresTs,
    }));
    await this.outbox.enqueue(this.deps.ctx.db, items, this.clock());
    for (const destination of new Set(edus.map((e) => e.destination))) this.kick(destination);
  }

  /**
   * Queues a remote server's event for the room's other servers (the resident server
   * passes on the joins, leaves and knocks it accepted through the handshakes).
   */
  async forward(event: RoomEvent, origin: string): Promise<void> {
    const { store } = this.deps.ctx.rooms;
    const [stored, version] = await Promise.all([store.getEvent(event.event_id), store.roomVersion(event.room_id)]);
    if (stored === undefined || version === undefined) return;
    const pdu = wirePdu(stored, version);
    const destinations = [...(await this.destinations(event.room_id, event.type, event.state_key)).keys()].filter((d) => d !== origin);
    await this.outbox.enqueue(this.deps.ctx.db, destinations.map((destination) => ({ destination, kind: 'pdu' as const, payload: pdu })), this.clock());
    for (const d of destinations) this.kick(d);
  }

  /** Turns local events after the stored position into outbox rows; one run at a time. */
  catchUp(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.catchingUp !== undefined) {
      this.catchUpAgain = true;
      return this.catchingUp;
    }
    this.catchingUp = this.runCatchUp()
      .catch((err) => this.deps.ctx.logger.error({ err }, 'federation sender: catch-up failed'))
      .finally(() => {
        this.catchingUp = undefined;
        if (this.catchUpAgain) {
          this.catchUpAgain = false;
          void this.catchUp();
        }
      });
    return this.catchingUp;
  }

  private async runCatchUp(): Promise<void> {
    const { db, rooms } = this.deps.ctx;
    for (;;) {
      // Only below the stream's safe position: every event there is committed.
      const bound = rooms.hub.currentToken().get('events').min;
      if (bound <= this.position) return;
      const { rows } = await db.query<{ event_id: string; stream_ordering: string; room_id: string; type: string; state_key: string | null }>(
        `SELECT event_id, stream_ordering, room_id, type, state_key FROM events
         WHERE stream_ordering > $1 AND stream_ordering <= $2 AND sender LIKE $3
           AND NOT outlier AND rejected_reason IS NULL AND NOT soft_failed
         ORDER BY stream_ordering LIMIT ${CATCH_UP_BATCH}`,
        [this.position, bound, `%:${this.deps.serverName.replace(/[%_\\]/g, '\\$&')}`],
      );
      const items: OutboxItem[] = [];
      // Which events go anywhere, from the rows alone; only those are loaded.
      const sends: Array<{ eventId: string; roomId: string; destinations: string[] }> = [];
      for (const r of rows) {
        const servers = await this.destinationsOf(r.room_id, r.type, r.state_key ?? undefined);
        // A server gets the events from its join on: a catch-up running late must not send it older history.
        const position = Number(r.stream_ordering);
        const destinations = [...servers].filter(([server, since]) => since < position && this.owns(server)).map(([server]) => server);
        if (destinations.length > 0) sends.push({ eventId: r.event_id, roomId: r.room_id, destinations });
      }
      const events = sends.length > 0 ? await rooms.store.getEvents(sends.map((s) => s.eventId)) : new Map();
      for (const { eventId, roomId, destinations } of sends) {
        const stored = events.get(eventId);
        if (stored === undefined || serverNameOf(stored.event.sender) !== this.deps.serverName) continue;
        const version = await rooms.store.roomVersion(roomId);
        if (version === undefined) continue;
        const pdu = wirePdu(stored, version);
        for (const destination of destinations) items.push({ destination, kind: 'pdu', payload: pdu });
      }
      const next = rows.length < CATCH_UP_BATCH ? bound : Number(rows[rows.length - 1]!.stream_ordering);
      // The position is stored with the rows it produced; a run of events that concern no
      // other server only moves it in memory (re-reading them after a restart sends nothing).
      if (items.length > 0) {
        await db.transaction(async (tx) => {
          await this.outbox.enqueue(tx, items, this.clock());
          await this.outbox.setPosition(tx, this.instance, next);
        });
      }
      this.position = next;
      for (const d of new Set(items.map((i) => i.destination))) this.kick(d);
    }
  }

  /** destinations(), from the per-room cache for events that cannot change the room's servers. */
  private async destinationsOf(roomId: string, type: string, stateKey: string | undefined): Promise<RoomServers> {
    if (type === 'm.room.member') {
      // Read fresh, and the room's entry goes: later events see the servers after this one.
      this.roomServers.delete(roomId);
      return this.destinations(roomId, type, stateKey);
    }
    let servers = this.roomServers.get(roomId);
    if (servers === undefined) {
      servers = await this.destinations(roomId, type, stateKey);
      this.roomServers.set(roomId, servers);
    }
    return servers;
  }

  /**
   * Other servers with joined members, each with the position of its earliest current join; for a
   * membership event also the target's server (it learns of a kick or ban), from the start.
   */
  private async destinations(roomId: string, type: string, stateKey: string | undefined): Promise<RoomServers> {
    const { rows } = await this.deps.ctx.db.query<{ state_key: string; stream_ordering: string }>(
      `SELECT c.state_key, e.stream_ordering FROM current_state_events c JOIN events e ON e.event_id = c.event_id
       WHERE c.room_id = $1 AND c.type = 'm.room.member' AND c.membership = 'join'`,
      [roomId],
    );
    const servers: RoomServers = new Map();
    for (const r of rows) {
      const server = serverNameOf(r.state_key);
      if (server === undefined) continue;
      const since = Number(r.stream_ordering);
      const earliest = servers.get(server);
      if (earliest === undefined || since < earliest) servers.set(server, since);
    }
    if (type === 'm.room.member' && stateKey !== undefined) {
      const target = serverNameOf(stateKey);
      if (target !== undefined) servers.set(target, Number.NEGATIVE_INFINITY);
    }
    servers.delete(this.deps.serverName);
    return servers;
  }

  /** Starts the destination's loop unless one is running (then it goes round again). */
  private kick(destination: string): void {
    if (this.stopped || !this.owns(destination)) return;
    if (this.queueOnly) {
      this.onQueued?.(destination);
      return;
    }
    if (this.sending.has(destination)) {
      this.resend.add(destination);
      return;
    }
    const run = this.sendLoop(destination)
      .catch((err) => this.deps.ctx.logger.error({ err, destination }, 'federation sender: send loop failed'))
      .finally(() => {
        this.sending.delete(destination);
        if (this.resend.delete(destination)) this.kick(destination);
      });
    this.sending.set(destination, run);
  }

  private async sendLoop(destination: string): Promise<void> {
    const backoff = this.reachable.has(destination) ? undefined : await this.outbox.retryAfter(destination);
    if (backoff !== undefined && backoff.retryAfterTs > this.clock()) return this.retryLater(destination, backoff.retryAfterTs);
    while (!this.stopped) {
      const batch = await this.outbox.take(destination, this.clock());
      if (batch.ids.length === 0) return;
      const txnId = `${batch.ids[0]}-${batch.ids[batch.ids.length - 1]}`;
      try {
        await this.deps.client.request({
          method: 'PUT',
          destination,
          path: `/_matrix/federation/v1/send/${encodeURIComponent(txnId)}`,
          body: { origin: this.deps.serverName, origin_server_ts: this.clock(), pdus: batch.pdus, edus: batch.edus },
        });
      } catch (err) {
        federationTransactions.labels('failed').inc();
        this.reachable.delete(destination);
        const interval = Math.min(backoff === undefined ? this.initialBackoffMs : backoff.intervalMs * 2, this.maxBackoffMs);
        // One time for the database and the schedule: a sender restarting schedules the same retry again.
        const now = this.clock();
        await this.outbox.failed(destination, now, interval);
        this.deps.ctx.logger.info({ err, destination, retryInMs: interval }, 'federation sender: transaction failed; backing off');
        return this.retryLater(destination, now + interval);
      }
      federationTransactions.labels('sent').inc();
      federationSent.labels('pdu').inc(batch.pdus.length);
      federationSent.labels('edu').inc(batch.edus.length);
      // Acknowledged and recorded in one statement: one commit, and no crash can leave only one of them done.
      await this.status.delivered(destination, batch.pdus, batch.ids);
      this.reachable.add(destination);
      // A batch that was not full took everything queued: what was queued since kicked this
      // destination (the loop goes round again), so no read that finds nothing after each transaction.
      if (batch.pdus.length < MAX_TXN_PDUS && batch.edus.length < MAX_TXN_EDUS) return;
    }
  }

  /** Asks to be kicked when the destination's backoff ends; if the request is lost, the outbox sweep finds it. */
  private retryLater(destination: string, at: number): void {
    if (this.stopped || this.queueOnly) return;
    this.schedule.schedule(destination, at).catch((err: unknown) => this.deps.ctx.logger.warn({ err, destination }, 'federation sender: scheduling a retry failed'));
  }

  /** Sends what another process queued for the destination, unless it is backing off. */
  sendQueued(destination: string): void {
    this.kick(destination);
  }

  /** Tries a backing-off destination now (e.g. it just sent us a transaction, so it is back). */
  async wake(destination: string): Promise<void> {
    await this.status.clearBackoff(this.deps.ctx.db, destination);
    // A retry still scheduled finds the destination no longer backing off.
    this.kick(destination);
  }

  /** Resolves when nothing is being sent or caught up (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.catchingUp !== undefined || this.sending.size > 0) {
      await Promise.allSettled([this.catchingUp, ...this.sending.values()]);
    }
  }
}
