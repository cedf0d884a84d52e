import type { Redis } from 'ioredis';
import type { UserWritePositions, WritePositions } from '../read-your-writes.js';
import type { StreamName } from '../types.js';

export interface RedisUserWritePositionsOptions {
  /** A connection in normal (not subscriber) mode; the caller owns it. */
  redis: Redis;
  /** Key prefix, so several servers (or tests) can share one Redis: keys are `<prefix>:writes:<userId>`. */
  prefix: string;
  /**
   * How long a user's positions are kept after their last write. Once every
   * replica is past them they are useless; this only has to outlast replication lag.
   */
  ttlMs?: number;
}

const DEFAULT_TTL_MS = 15 * 60_000;

/** Raises each field to the given value (never lowers it), then renews the key's TTL: one atomic step. */
const RAISE_SCRIPT = `
for i = 2, #ARGV, 2 do
  local current = tonumber(redis.call('HGET', KEYS[1], ARGV[i]))
  local value = tonumber(ARGV[i + 1])
  if current == nil or value > current then redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 0
`;

interface WithRaise {
  latticeRaiseWritePositions(key: string, ttlMs: number, ...fieldsAndValues: (string | number)[]): Promise<unknown>;
}

/**
 * Each user's latest write positions in a Redis hash (ARCHITECTURE.md §4,
 * read-your-writes across replicas), shared by every replica.
 */
export class RedisUserWritePositions implements UserWritePositions {
  private readonly redis: Redis & WithRaise;
  private readonly prefix: string;
  private readonly ttlMs: number;

  constructor(options: RedisUserWritePositionsOptions) {
    // defineCommand runs the script by SHA (EVALSHA, loading it once when Redis does not know it).
    options.redis.defineCommand('latticeRaiseWritePositions', { numberOfKeys: 1, lua: RAISE_SCRIPT });
    this.redis = options.redis as Redis & WithRaise;
    this.prefix = options.prefix;
    this.ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  }

  async record(userId: string, positions: WritePositions): Promise<void> {
    const args: (string | number)[] = [];
    for (const [stream, position] of Object.entries(positions)) {
      if (position !== undefined) args.push(stream, position);
    }
    if (args.length === 0) return;
    await this.redis.latticeRaiseWritePositions(this.key(userId), this.ttlMs, ...args);
  }

  async get(userId: string): Promise<WritePositions> {
    const stored = await this.redis.hgetall(this.key(userId));
    const positions: WritePositions = {};
    for (const [stream, position] of Object.entries(stored)) positions[stream as StreamName] = Number(position);
    return positions;
  }

  private key(userId: string): string {
    return `${this.prefix}:writes:${userId}`;
  }
}
