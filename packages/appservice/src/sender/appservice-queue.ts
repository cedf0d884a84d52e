/**
 * One appservice's delivery loop: at most one transaction in flight, sent in
 * order; a transaction that fails is retried (same id, same body) after an
 * exponential backoff, and nothing newer is sent before it succeeds. The
 * retry is asked of the sender's RetrySchedule (timers, or BullMQ with Redis).
 */
import type { Logger, RetrySchedule } from '@lattice/core';
import type { ClientApiContext } from '@lattice/client-api';
import { callAppservice } from '../outbound/appservice-client.js';
import type { Appservice } from '../registration/appservice.js';
import { buildTxn } from './txn-builder.js';
import type { PendingTxn, StreamCursor, TxnStore } from './txn-store.js';

export interface Backoff {
  initialMs: number;
  maxMs: number;
}

export class AppserviceQueue {
  private running: Promise<void> | undefined;
  private again = false;
  private failures = 0;
  /** While backing off: when the failed transaction may be tried again. */
  private retryAt: number | undefined;
  private stopped = false;
  /** Typing per room since the last transaction (typing is memory only: nothing to replay after a restart). */
  private readonly typing = new Map<string, string[]>();

  constructor(
    private readonly ctx: Pick<ClientApiContext, 'db' | 'rooms'>,
    readonly as: Appservice,
    private readonly store: TxnStore,
    private cursor: StreamCursor,
    private readonly backoff: Backoff,
    private readonly schedule: RetrySchedule,
    private readonly logger: Logger,
    private readonly clock: () => number,
  ) {}

  noteTyping(roomId: string, userIds: string[]): void {
    this.typing.set(roomId, userIds);
  }

  /** Sends what is waiting; a call during a run makes it go round once more. Waits out a running backoff. */
  kick(): void {
    if (this.stopped || (this.retryAt !== undefined && this.clock() < this.retryAt)) return;
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    this.running = this.run()
      .catch((err: unknown) => {
        // The database, most likely: try again later rather than wait for the next event.
        this.logger.error({ err, appservice: this.as.id }, 'appservice transactions: loop failed');
        this.backOff();
      })
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** The schedule says the backoff is over. */
  retryDue(): void {
    this.retryAt = undefined;
    this.kick();
  }

  /** Tries again if the backoff is over but the schedule's call never came (Redis flushed): the sender's sweep. */
  retryIfOverdue(): void {
    if (this.retryAt !== undefined && this.clock() >= this.retryAt) this.retryDue();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  /** Resolves when nothing is running (a scheduled retry does not count). */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const txn = (await this.store.pending(this.as.id)) ?? (await this.next());
      if (txn === undefined) return;
      try {
        await callAppservice(this.as, { method: 'PUT', path: `/_matrix/app/v1/transactions/${txn.txnId}`, body: txn.body });
      } catch (err) {
        const delay = this.backOff();
        this.logger.info({ err, appservice: this.as.id, txnId: txn.txnId, retryInMs: delay }, 'appservice transaction failed; backing off');
        return;
      }
      this.failures = 0;
      this.retryAt = undefined;
      await this.store.ack(this.as.id, txn.txnId);
    }
  }

  /** Builds and stores the next transaction; undefined when there is nothing to send. */
  private async next(): Promise<PendingTxn | undefined> {
    const typing = new Map(this.typing);
    this.typing.clear();
    let built;
    try {
      built = await buildTxn(this.ctx, this.as, this.cursor, typing);
    } catch (err) {
      for (const [room, users] of typing) if (!this.typing.has(room)) this.typing.set(room, users);
      throw err;
    }
    if (built.empty) {
      if (!sameCursor(built.cursor, this.cursor)) await this.store.saveCursor(this.ctx.db, this.as.id, built.cursor);
      this.cursor = built.cursor;
      return undefined;
    }
    const txn = await this.store.create(this.as.id, built.body, built.cursor, this.clock());
    this.cursor = built.cursor;
    return txn;
  }

  /** Schedules the next try after an exponential backoff; returns the delay. */
  private backOff(): number {
    this.failures++;
    const delay = Math.min(this.backoff.initialMs * 2 ** (this.failures - 1), this.backoff.maxMs);
    this.retryAt = this.clock() + delay;
    if (!this.stopped) {
      this.schedule
        .schedule(this.as.id, this.retryAt)
        .catch((err: unknown) => this.logger.warn({ err, appservice: this.as.id }, 'appservice transactions: scheduling a retry failed'));
    }
    return delay;
  }
}

function sameCursor(a: StreamCursor, b: StreamCursor): boolean {
  return (Object.keys(a) as Array<keyof StreamCursor>).every((k) => a[k] === b[k]);
}
