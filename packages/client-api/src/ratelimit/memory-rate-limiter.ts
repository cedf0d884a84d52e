/**
 * Token buckets in this process's memory: the single process's limiter (a
 * split worker shares its buckets through Redis instead). Keys carry the
 * limit's name, so one instance serves every limit of the process.
 */
import type { RateLimit } from '@lattice/core';
import { NO_REFILL_RETRY_MS, type RateLimitAttempt, type RateLimiter } from '../http/rate-limiter.js';

interface Bucket {
  tokens: number;
  ts: number;
}

/** Above this many tracked keys, full (idle) buckets are dropped. */
const PRUNE_THRESHOLD = 10_000;

export class MemoryRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, { bucket: Bucket; limit: RateLimit }>();

  constructor(private readonly clock: () => number = Date.now) {}

  attempt(key: string, limit: RateLimit, options: RateLimitAttempt = {}): Promise<number> {
    return Promise.resolve(this.attemptNow(key, limit, options));
  }

  /** The synchronous core of attempt(). */
  attemptNow(key: string, limit: RateLimit, { cost = 1, record = true }: RateLimitAttempt = {}): number {
    const now = this.clock();
    const bucket = refill(this.buckets.get(key)?.bucket, limit, now);
    if (bucket.tokens < cost) return limit.per_second <= 0 ? NO_REFILL_RETRY_MS : Math.ceil(((cost - bucket.tokens) / limit.per_second) * 1000);
    if (!record) return 0;
    bucket.tokens -= cost;
    if (this.buckets.size >= PRUNE_THRESHOLD && !this.buckets.has(key)) this.prune(now);
    this.buckets.set(key, { bucket, limit });
    return 0;
  }

  private prune(now: number): void {
    for (const [key, { bucket, limit }] of this.buckets) {
      if (refill(bucket, limit, now).tokens >= limit.burst_count) this.buckets.delete(key);
    }
  }
}

function refill(bucket: Bucket | undefined, limit: RateLimit, now: number): Bucket {
  if (!bucket) return { tokens: limit.burst_count, ts: now };
  const elapsed = Math.max(0, now - bucket.ts);
  return { tokens: Math.min(limit.burst_count, bucket.tokens + (elapsed / 1000) * limit.per_second), ts: Math.max(now, bucket.ts) };
}
