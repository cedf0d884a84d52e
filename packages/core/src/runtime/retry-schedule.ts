/**
 * When to try something again: the senders (federation destinations,
 * appservice transactions) keep what must be sent and its backoff in
 * PostgreSQL and only ask a RetrySchedule to call them back when a key is
 * due. The single process uses TimerRetrySchedule; with Redis,
 * BullMqRetrySchedule keeps the pending calls in delayed BullMQ jobs.
 * A schedule is a wake-up hint, not a store: a call may come late (Redis
 * flushed), early or twice (a stale job of a previous process), so the
 * handler checks the durable state before acting on it.
 */

/** Called with a key that is due. */
export type DueHandler = (key: string) => void | Promise<void>;

export interface RetrySchedule {
  /** Calls the handler with `key` at `at` (ms since the epoch); the same key and time scheduled twice is called once. */
  schedule(key: string, at: number): Promise<void>;
  /** Sets the handler (once); keys that fall due before it is set are called then. */
  onDue(handler: DueHandler): void;
  /** Drops what is pending in this process and waits for running handlers. */
  close(): Promise<void>;
}
