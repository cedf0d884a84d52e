/**
 * Token buckets in Redis, shared by every replica of the worker split: one
 * atomic script refills and takes from a bucket, on Redis's clock (replicas'
 * clocks may differ). Rate limiting is protection, not correctness: when
 * Redis cannot answer, requests are allowed (and the failure logged, at most
 * once per LOG_EVERY_MS) rather than every request failing. The connection is
 * the limiter's own and fails fast (no offline queue), so an outage costs
 * requests no waiting either.
 */
import { loadOnUse, type Logger, type RateLimit } from '@lattice/core';
import { NO_REFILL_RETRY_MS, type RateLimitAttempt, type RateLimiter } from '@lattice/client-api';
import type { Redis, RedisOptions } from 'ioredis';

const ioredis = loadOnUse<typeof import('ioredis')>('ioredis');

/**
 * KEYS[1] the bucket; ARGV per_second, burst_count, cost, record (1/0).
 * Returns 0 when allowed (taken if recording), -1 when the bucket never
 * refills, else the milliseconds until `cost` tokens are there. State:
 * tokens and the time (ms) they were counted at; the key expires once the
 * bucket would be full again, so idle buckets cost nothing.
 */
const TOKEN_BUCKET_SCRIPT = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
if now > ts then
  tokens = math.min(burst, tokens + (now - ts) / 1000 * rate)
  ts = now
end
if tokens >= cost then
  if ARGV[4] == '1' then
    tokens = tokens - cost
    redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(ts))
    if rate > 0 then
      redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
    else
      redis.call('PEXPIRE', KEYS[1], 86400000)
    end
  end
  return 0
end
if rate <= 0 then return -1 end
return math.ceil((cost - tokens) / rate * 1000)
`;

interface WithTokenBucket {
  latticeTokenBucket(key: string, perSecond: number, burst: number, cost: number, record: 0 | 1): Promise<number>;
}

/** How often an unreachable Redis is logged while requests go through unlimited. */
const LOG_EVERY_MS = 30_000;
/** A slow Redis must not slow every request down: past this, the request is allowed. */
const COMMAND_TIMEOUT_MS = 1_000;

export interface RedisRateLimiterOptions {
  redis: RedisOptions;
  /** Key prefix, so several servers (or tests) can share one Redis: keys are `<prefix>:rl:<key>`. */
  prefix: string;
  logger: Logger;
}

export class RedisRateLimiter implements RateLimiter {
  private readonly redis: Redis & WithTokenBucket;
  private lastLogged = -Infinity;

  constructor(private readonly options: RedisRateLimiterOptions) {
    const redis = new (ioredis().Redis)({
      ...options.redis,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: COMMAND_TIMEOUT_MS,
      // Under load, the buckets of requests handled in one event-loop turn go to Redis in one write.
      enableAutoPipelining: true,
    });
    // Connection errors surface as failed commands (logged there); reconnecting is ioredis's job.
    redis.on('error', () => undefined);
    redis.defineCommand('latticeTokenBucket', { numberOfKeys: 1, lua: TOKEN_BUCKET_SCRIPT });
    this.redis = redis as Redis & WithTokenBucket;
  }

  async attempt(key: string, limit: RateLimit, { cost = 1, record = true }: RateLimitAttempt = {}): Promise<number> {
    try {
      const wait = Number(
        await this.redis.latticeTokenBucket(`${this.options.prefix}:rl:${key}`, limit.per_second, limit.burst_count, cost, record ? 1 : 0),
      );
      return wait < 0 ? NO_REFILL_RETRY_MS : wait;
    } catch (err) {
      this.logFailure(err);
      return 0;
    }
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private logFailure(err: unknown): void {
    const now = Date.now();
    if (now - this.lastLogged < LOG_EVERY_MS) return;
    this.lastLogged = now;
    this.options.logger.warn({ err }, 'rate limiter: Redis unavailable, allowing requests unlimited');
  }
}
