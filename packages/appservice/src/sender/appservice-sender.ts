/**
 * Pushes events and ephemeral data to every appservice with a URL (spec
 * "Pushing events"), one AppserviceQueue each. Runs in the single process and
 * on the federation-sender role. Each appservice resumes from its stored
 * cursor, so events persisted while no sender ran are delivered after a
 * restart; an appservice seen for the first time starts from now. Retries
 * are woken by a RetrySchedule (timers; BullMQ in the worker split), and a
 * sweep retries any whose wake-up was lost (Redis flushed).
 */
import { TimerRetrySchedule, childLogger, type Logger, type RetrySchedule } from '@lattice/core';
import type { ClientApiContext } from '@lattice/client-api';
import type { AppserviceRegistry } from '../registration/registry.js';
import { AppserviceQueue, type Backoff } from './appservice-queue.js';
import { TxnStore, type StreamCursor, type TxnStream } from './txn-store.js';

export interface AppserviceSenderOptions {
  /** First retry delay after a failed transaction; doubled per failure up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  clock?: () => number;
  /** Wakes the retries (default: in-process timers). The sender takes it over: consumed from start(), closed on stop(). */
  schedule?: RetrySchedule;
  /** How often retries whose wake-up never came are looked for (default 2 s; 0: never). */
  sweepIntervalMs?: number;
}

const STREAMS: readonly TxnStream[] = ['events', 'receipts', 'presence', 'to_device', 'device_lists'];

export class AppserviceSender {
  private readonly store: TxnStore;
  private readonly queues: AppserviceQueue[] = [];
  private readonly unsubscribes: Array<() => void> = [];
  private readonly logger: Logger;
  private readonly backoff: Backoff;
  private readonly clock: () => number;
  private readonly schedule: RetrySchedule;
  private readonly sweepIntervalMs: number;
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: Pick<ClientApiContext, 'db' | 'rooms' | 'logger'>,
    private readonly registry: AppserviceRegistry,
    options: AppserviceSenderOptions = {},
  ) {
    this.store = new TxnStore(ctx.db);
    this.logger = childLogger(ctx.logger, 'appservice-sender');
    this.backoff = { initialMs: options.initialBackoffMs ?? 1_000, maxMs: options.maxBackoffMs ?? 5 * 60_000 };
    this.clock = options.clock ?? Date.now;
    this.schedule = options.schedule ?? new TimerRetrySchedule(this.logger, this.clock);
    this.sweepIntervalMs = options.sweepIntervalMs ?? 2_000;
  }

  async start(): Promise<void> {
    for (const as of this.registry.all) {
      if (as.registration.url === null) continue;
      const cursor = await this.initialCursor(as.id);
      this.queues.push(new AppserviceQueue(this.ctx, as, this.store, cursor, this.backoff, this.schedule, this.logger, this.clock));
    }
    if (this.queues.length === 0) return;
    this.schedule.onDue((id) => this.queues.find((q) => q.as.id === id)?.retryDue());
    if (this.sweepIntervalMs > 0) {
      this.sweepTimer = setInterval(() => this.queues.forEach((q) => q.retryIfOverdue()), this.sweepIntervalMs);
      this.sweepTimer.unref();
    }
    const { hub } = this.ctx.rooms;
    // Handlers run before positions advance: kick once the update is applied.
    const kickAll = () => setImmediate(() => this.queues.forEach((q) => q.kick()));
    const kickWhere = (wants: (q: AppserviceQueue) => boolean) => () =>
      setImmediate(() => this.queues.forEach((q) => wants(q) && q.kick()));
    const ephemeral = kickWhere((q) => q.as.registration.receiveEphemeral);
    this.unsubscribes.push(
      hub.onUpdate('events', kickAll),
      hub.onUpdate('receipts', ephemeral),
      hub.onUpdate('presence', ephemeral),
      hub.onUpdate('to_device', kickWhere((q) => q.as.registration.receiveToDevice)),
      hub.onUpdate('device_lists', kickWhere((q) => q.as.registration.msc3202)),
      hub.onUpdate('typing', (update) => {
        for (const q of this.queues) {
          if (!q.as.registration.receiveEphemeral) continue;
          for (const row of update.rows) q.noteTyping(row.room_id, row.user_ids ?? []);
        }
        ephemeral();
      }),
    );
    for (const q of this.queues) q.kick();
  }

  async stop(): Promise<void> {
    clearInterval(this.sweepTimer);
    for (const off of this.unsubscribes.splice(0)) off();
    await Promise.all(this.queues.map((q) => q.stop()));
    await this.schedule.close();
  }

  /** Resolves when no appservice has a transaction being built or sent (tests, shutdown). */
  async idle(): Promise<void> {
    await Promise.all(this.queues.map((q) => q.idle()));
  }

  /** The stored cursor; on first start every stream's current position (nothing from before the registration). */
  private async initialCursor(appserviceId: string): Promise<StreamCursor> {
    const stored = await this.store.cursor(appserviceId);
    const { hub } = this.ctx.rooms;
    const now = (stream: TxnStream) => (stream === 'events' ? hub.currentToken().get('events').min : hub.positions.current(stream));
    const cursor = Object.fromEntries(STREAMS.map((s) => [s, stored?.[s] ?? now(s)])) as StreamCursor;
    if (stored === undefined) await this.store.saveCursor(this.ctx.db, appserviceId, cursor);
    return cursor;
  }
}
