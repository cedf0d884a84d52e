/**
 * Rate limiting (spec "Rate limiting"): token buckets of `burst_count`
 * actions, refilled at `per_second`. One interface, two stores: this
 * process's memory (the single process, ratelimit/memory-rate-limiter.ts) and
 * Redis shared by every replica of the worker split (worker-runtime's
 * RedisRateLimiter). Refusals are 429 M_LIMIT_EXCEEDED with retry_after_ms and
 * a Retry-After header (Errors.limitExceeded).
 */
import type { RateLimit } from '@lattice/core';

export interface RateLimitAttempt {
  /** Actions asked for at once (default 1). */
  cost?: number;
  /** false: only tell whether the actions would be allowed, recording nothing. */
  record?: boolean;
}

export interface RateLimiter {
  /**
   * 0 when `key` may take `cost` actions now under `limit` (recorded unless
   * `record` is false); otherwise the milliseconds to wait, with nothing recorded.
   */
  attempt(key: string, limit: RateLimit, options?: RateLimitAttempt): Promise<number>;
  close?(): Promise<void>;
}

/** With per_second 0 a bucket never refills: clients are told to come back much later. */
export const NO_REFILL_RETRY_MS = 3_600_000;
