/**
 * The single process's RetrySchedule: one timer per key, the earliest time
 * asked for wins (a later one is asked again by the handler, which finds the
 * key not due yet). Pending calls are lost on restart; the senders schedule
 * again from their durable state when they start.
 */
import type { Logger } from '../logging/index.js';
import type { DueHandler, RetrySchedule } from './retry-schedule.js';

export class TimerRetrySchedule implements RetrySchedule {
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly due = new Set<string>();
  private handler: DueHandler | undefined;
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly logger: Logger,
    private readonly clock: () => number = Date.now,
  ) {}

  async schedule(key: string, at: number): Promise<void> {
    const pending = this.timers.get(key);
    if (this.closed || (pending !== undefined && pending.at <= at)) return;
    clearTimeout(pending?.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.call(key);
    }, Math.max(0, at - this.clock()));
    timer.unref();
    this.timers.set(key, { at, timer });
  }

  onDue(handler: DueHandler): void {
    if (this.handler) throw new Error('retry schedule already has a handler');
    this.handler = handler;
    for (const key of this.due) this.call(key);
    this.due.clear();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.running]);
  }

  private call(key: string): void {
    if (this.closed) return;
    if (!this.handler) {
      this.due.add(key);
      return;
    }
    const run = Promise.resolve()
      .then(() => this.handler!(key))
      .catch((err: unknown) => this.logger.error({ err, key }, 'retry schedule: handler failed'))
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }
}
