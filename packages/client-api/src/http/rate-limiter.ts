/**
 * Token-bucket rate limiting (spec "Rate limiting"): `burst_count` actions at
 * once, refilled at `per_second`. Refusals are 429 M_LIMIT_EXCEEDED with a
 * Retry-After header. Buckets are per process: with several replicas each
 * enforces the limit separately (a shared limiter would live in Redis).
 */
import { Errors, type RateLimit } from '@lattice/core';

interface Bucket {
  tokens: number;
  ts: number;
}

/** Above this many tracked keys, full (idle) buckets are dropped. */
const PRUNE_THRESHOLD = 10_000;
/** With per_second 0 a bucket never refills; tell clients to come back much later. */
const NO_REFILL_RETRY_MS = 3_600_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly limit: RateLimit) {}

  private refill(key: string, now: number): Bucket {
    const bucket = this.buckets.get(key);
    if (!bucket) return { tokens: this.limit.burst_count, ts: now };
    const tokens = Math.min(this.limit.burst_count, bucket.tokens + ((now - bucket.ts) / 1000) * this.limit.per_second);
    return { tokens, ts: now };
  }

  private waitMs(bucket: Bucket): number {
    if (this.limit.per_second <= 0) return NO_REFILL_RETRY_MS;
    return Math.ceil(((1 - bucket.tokens) / this.limit.per_second) * 1000);
  }

  /** Milliseconds until `key` may act again, 0 if it may act now. Consumes nothing. */
  check(key: string, now = Date.now()): number {
    const bucket = this.refill(key, now);
    return bucket.tokens >= 1 ? 0 : this.waitMs(bucket);
  }

  /** Records one action of `key`; returns 0, or the wait if the bucket was empty (nothing recorded). */
  take(key: string, now = Date.now()): number {
    const bucket = this.refill(key, now);
    if (bucket.tokens < 1) return this.waitMs(bucket);
    bucket.tokens -= 1;
    if (this.buckets.size >= PRUNE_THRESHOLD && !this.buckets.has(key)) this.prune(now);
    this.buckets.set(key, bucket);
    return 0;
  }

  /** Throws 429 M_LIMIT_EXCEEDED unless `key` may act now, and records the action. */
  consume(key: string, now = Date.now()): void {
    const wait = this.take(key, now);
    if (wait > 0) throw Errors.limitExceeded(wait);
  }

  private prune(now: number): void {
    for (const [key] of this.buckets) {
      if (this.refill(key, now).tokens >= this.limit.burst_count) this.buckets.delete(key);
    }
  }
}
