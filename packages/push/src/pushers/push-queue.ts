/**
 * Where pushes wait to be sent: a queue whose jobs are retried with exponential
 * backoff when their handler throws. The single process uses the in-process
 * implementation; with Redis, BullMqPushQueue spreads jobs over the
 * federation-sender replicas and survives their restarts.
 */

/** One notification of one event for one pusher. */
export interface PushJob {
  userId: string;
  appId: string;
  pushkey: string;
  roomId: string;
  eventId: string;
  /** The matched rule's tweaks (the gateway's devices[].tweaks). */
  tweaks: Record<string, unknown>;
}

export type PushJobHandler = (job: PushJob) => Promise<void>;

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  /** The first retry's delay; each further one doubles it. */
  backoffMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 8, backoffMs: 1_000 };

export interface PushQueue {
  add(jobs: readonly PushJob[]): Promise<void>;
  /** Starts consuming with `handler` (once). */
  process(handler: PushJobHandler): void;
  close(): Promise<void>;
}

/** The delay before retry number `retry` (1-based). */
export function backoffDelay(policy: RetryPolicy, retry: number): number {
  return policy.backoffMs * 2 ** (retry - 1);
}
