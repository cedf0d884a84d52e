/**
 * The single process's push queue: jobs run at once, failed ones again after
 * an exponential backoff, until they succeed or run out of attempts. Pending
 * retries are lost on restart (as is anything in memory); pushes are best effort.
 */
import type { Logger } from '@lattice/core';
import { DEFAULT_RETRY, backoffDelay, type PushJob, type PushJobHandler, type PushQueue, type RetryPolicy } from './push-queue.js';

export class InProcessPushQueue implements PushQueue {
  private handler: PushJobHandler | undefined;
  private readonly waiting: PushJob[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly logger: Logger,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
  ) {}

  async add(jobs: readonly PushJob[]): Promise<void> {
    if (this.closed) return;
    if (!this.handler) {
      this.waiting.push(...jobs);
      return;
    }
    for (const job of jobs) this.run(job, 1);
  }

  process(handler: PushJobHandler): void {
    if (this.handler) throw new Error('push queue already has a handler');
    this.handler = handler;
    for (const job of this.waiting.splice(0)) this.run(job, 1);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.running]);
  }

  private run(job: PushJob, attempt: number): void {
    const running = this.handler!(job).then(
      () => undefined,
      (err: unknown) => {
        if (this.closed) return;
        if (attempt >= this.retry.attempts) {
          this.logger.warn({ err, pushkey: job.pushkey, eventId: job.eventId }, 'push failed; giving up');
          return;
        }
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          if (!this.closed) this.run(job, attempt + 1);
        }, backoffDelay(this.retry, attempt));
        timer.unref();
        this.timers.add(timer);
      },
    );
    this.running.add(running);
    void running.finally(() => this.running.delete(running));
  }
}
