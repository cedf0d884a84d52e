import { randomUUID } from 'node:crypto';
import { loadOnUse, type Logger } from '@lattice/core';
import type { Redis, RedisOptions } from 'ioredis';
import { InProcessTransport } from '../transport/in-process-transport.js';
import type { ReplicationTransport, StreamUpdate } from '../types.js';

const ioredis = loadOnUse<typeof import('ioredis')>('ioredis');

export interface RedisTransportOptions {
  /** Connection options (host, port, …) of both connections. Default: 127.0.0.1:6379. */
  redis?: RedisOptions;
  /** Names the channel, so several servers (or tests) can share one Redis: `<namespace>:replication`. */
  namespace: string;
  logger?: Logger;
  /** Told, for each message from another process, the seconds since its first update was published there. */
  onDelay?: (seconds: number) => void;
}

/**
 * What goes over the channel: the sending transport's id (to skip our own
 * echo) and the update, or the updates of one event-loop turn in publish order,
 * with the wall-clock time (ms) the first of them was published.
 */
interface Envelope {
  o: string;
  u?: StreamUpdate;
  us?: StreamUpdate[];
  t?: number;
}

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes of one machine. */
function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * The replication transport of the worker split (ARCHITECTURE.md §4): JSON
 * updates on one Redis pub/sub channel per namespace, over one publisher and
 * one subscriber connection. Delivery is a hint: publish() is fire-and-forget,
 * every update carries a per-writer `seq` so readers notice what they missed,
 * and each time the subscription is (re)established onConnected handlers run
 * so readers catch up from PostgreSQL.
 *
 * Subscribers in this process get their own process's updates synchronously,
 * in publish order (as with the in-process transport), never via Redis.
 */
export class RedisTransport implements ReplicationTransport {
  readonly channel: string;
  private readonly id = randomUUID();
  private readonly local: InProcessTransport;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly seqs = new Map<string, number>();
  /** Updates published in this event-loop turn, sent as one message at its end (see publish). */
  private outbox: StreamUpdate[] = [];
  private outboxSince = 0;
  private readonly flushOutbox = (): void => {
    const updates = this.outbox;
    this.outbox = [];
    if (this.closed || updates.length === 0) return;
    const t = Math.round(this.outboxSince * 1000) / 1000;
    this.send(JSON.stringify((updates.length === 1 ? { o: this.id, u: updates[0], t } : { o: this.id, us: updates, t }) satisfies Envelope));
  };
  private readonly connectedHandlers = new Set<() => void>();
  private readonly logger: Logger | undefined;
  private readonly onDelay: ((seconds: number) => void) | undefined;
  private closed = false;

  constructor(options: RedisTransportOptions) {
    this.channel = `${options.namespace}:replication`;
    this.logger = options.logger;
    this.onDelay = options.onDelay;
    this.local = new InProcessTransport(options.logger);
    const redis: RedisOptions = { host: '127.0.0.1', port: 6379, ...options.redis };
    this.publisher = new (ioredis().Redis)(redis);
    // Resubscribed by hand on 'ready', so catch-up starts only once the subscription is live again.
    this.subscriber = new (ioredis().Redis)({ ...redis, autoResubscribe: false });
    for (const connection of [this.publisher, this.subscriber]) {
      connection.on('error', (err) => this.logger?.warn({ err, channel: this.channel }, 'redis replication connection error'));
    }
    this.subscriber.on('ready', () => void this.resubscribe());
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.channel) this.receive(message);
    });
  }

  /**
   * The connection messages are published on. A command sent on it before a publish() in the same turn
   * of the event loop reaches Redis before that publication (messages go out at setImmediate).
   */
  get publisherConnection(): Redis {
    return this.publisher;
  }

  /** The subscriber connection (tests simulate outages on it). */
  get subscriberConnection(): Redis {
    return this.subscriber;
  }

  publish(update: StreamUpdate): void {
    // A recovered update speaks for another process's writer: it must not join that writer's numbering.
    const stamped: StreamUpdate = update.recovered ? update : { ...update, seq: this.nextSeq(update) };
    // The updates of one turn (a group commit's rooms, say) cross as one message: every
    // other process then wakes, reads and parses once for all of them, not once each.
    // Queued before this process's own subscribers run, so one they publish in turn goes after it.
    if (!this.closed) {
      this.outbox.push(stamped);
      if (this.outbox.length === 1) {
        this.outboxSince = wallClockMs();
        setImmediate(this.flushOutbox);
      }
    }
    this.local.publish(stamped);
  }

  private nextSeq(update: StreamUpdate): number {
    const key = `${update.stream}\u0000${update.instance}`;
    const seq = (this.seqs.get(key) ?? 0) + 1;
    this.seqs.set(key, seq);
    return seq;
  }

  subscribe(handler: (update: StreamUpdate) => void): () => void {
    return this.local.subscribe(handler);
  }

  onConnected(handler: () => void): () => void {
    this.connectedHandlers.add(handler);
    return () => this.connectedHandlers.delete(handler);
  }

  /** Closes both connections; later publishes reach this process's subscribers only. */
  async close(): Promise<void> {
    this.flushOutbox(); // what was published before closing still goes out
    this.closed = true;
    this.connectedHandlers.clear();
    await Promise.all([this.publisher, this.subscriber].map((c) => c.quit().catch(() => c.disconnect())));
  }

  /** Puts one message on the channel (fire-and-forget: a lost one is recovered by readers). */
  protected send(message: string): void {
    this.publisher.publish(this.channel, message).catch((err: unknown) => {
      this.logger?.warn({ err, channel: this.channel }, 'redis replication publish failed');
    });
  }

  private async resubscribe(): Promise<void> {
    try {
      await this.subscriber.subscribe(this.channel);
    } catch (err) {
      // The connection dropped again: its next 'ready' retries.
      this.logger?.warn({ err, channel: this.channel }, 'redis replication subscribe failed');
      return;
    }
    for (const handler of [...this.connectedHandlers]) {
      try {
        handler();
      } catch (err) {
        this.logger?.error({ err, channel: this.channel }, 'replication connected handler failed');
      }
    }
  }

  private receive(message: string): void {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(message) as Envelope;
    } catch (err) {
      this.logger?.warn({ err, channel: this.channel }, 'malformed replication message');
      return;
    }
    if (envelope?.o === this.id) return;
    // Clocks of different machines differ: a negative delay says only that, and is not reported.
    if (this.onDelay && typeof envelope?.t === 'number') {
      const ms = wallClockMs() - envelope.t;
      if (ms >= 0) this.onDelay(ms / 1000);
    }
    const updates = Array.isArray(envelope?.us) ? envelope.us : [envelope?.u];
    for (const update of updates) if (isUpdate(update)) this.local.publish(update);
  }
}

function isUpdate(value: unknown): value is StreamUpdate {
  const u = value as StreamUpdate | undefined;
  return (
    typeof u?.stream === 'string' && typeof u.instance === 'string' && typeof u.position === 'number' && Array.isArray(u.rows)
  );
}
