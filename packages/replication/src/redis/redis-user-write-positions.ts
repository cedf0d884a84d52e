import type { Redis } from 'ioredis';
import { raiseWritePositions, type UserWritePositions, type WritePositions } from '../read-your-writes.js';
import type { StreamName } from '../types.js';

export interface RedisUserWritePositionsOptions {
  /** A connection in normal (not subscriber) mode, for reads; the caller owns it. */
  redis: Redis;
  /**
   * The connection records are written on (default: `redis`). Given the replication publisher's
   * (RedisTransport.publisherConnection), a record made before a publish reaches Redis before that
   * publication: no worker can see a write announced before its writer's position is stored.
   */
  recordsVia?: Redis;
  /** Key prefix, so several servers (or tests) can share one Redis: keys are `<prefix>:writes:<userId>`. */
  prefix: string;
  /**
   * How long a user's positions are kept after their last write. Once every
   * replica is past them they are useless; this only has to outlast replication lag.
   */
  ttlMs?: number;
}

const DEFAULT_TTL_MS = 15 * 60_000;

/**
 * For each key, raises each of its fields to the given value (never lowers it), then renews the key's TTL:
 * one atomic step for every key. ARGV: the TTL, then per key its field count and its field/value pairs.
 */
const RAISE_SCRIPT = `
local a = 2
for k = 1, #KEYS do
  local n = tonumber(ARGV[a])
  for i = a + 1, a + 2 * n, 2 do
    local current = tonumber(redis.call('HGET', KEYS[k], ARGV[i]))
    local value = tonumber(ARGV[i + 1])
    if current == nil or value > current then redis.call('HSET', KEYS[k], ARGV[i], ARGV[i + 1]) end
  end
  redis.call('PEXPIRE', KEYS[k], ARGV[1])
  a = a + 1 + 2 * n
end
return 0
`;

interface WithRaise {
  latticeRaiseWritePositions(keyCount: number, ...keysThenArgs: (string | number)[]): Promise<unknown>;
}

interface PendingRecord {
  positions: WritePositions;
  settle: { resolve(): void; reject(err: unknown): void }[];
}

/**
 * Each user's latest write positions in a Redis hash (ARCHITECTURE.md §4,
 * read-your-writes across replicas), shared by every replica. The records
 * made in one run of the microtask queue (an event persister's group commit
 * answers many senders at once) go to Redis as one script call, merged per
 * user; each caller's promise settles when that call does. The call is
 * written at process.nextTick, before any setImmediate callback runs, so
 * before the replication transport's next message (RedisTransport.publish).
 */
export class RedisUserWritePositions implements UserWritePositions {
  private readonly redis: Redis;
  private readonly recordsVia: Redis & WithRaise;
  private readonly prefix: string;
  private readonly ttlMs: number;
  /** Records not yet written, by user: written together at the next process.nextTick. */
  private readonly pending = new Map<string, PendingRecord>();

  constructor(options: RedisUserWritePositionsOptions) {
    // defineCommand runs the script by SHA (EVALSHA, loading it once when Redis does not know it); the key count
    // is the call's first argument.
    const recordsVia = options.recordsVia ?? options.redis;
    recordsVia.defineCommand('latticeRaiseWritePositions', { lua: RAISE_SCRIPT });
    this.redis = options.redis;
    this.recordsVia = recordsVia as Redis & WithRaise;
    this.prefix = options.prefix;
    this.ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  }

  record(userId: string, positions: WritePositions): Promise<void> {
    if (!Object.values(positions).some((p) => p !== undefined)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      if (this.pending.size === 0) process.nextTick(this.flush);
      let entry = this.pending.get(userId);
      if (entry === undefined) this.pending.set(userId, (entry = { positions: {}, settle: [] }));
      raiseWritePositions(entry.positions, positions);
      entry.settle.push({ resolve, reject });
    });
  }

  private readonly flush = (): void => {
    const batch = [...this.pending];
    this.pending.clear();
    const keys: string[] = [];
    const args: (string | number)[] = [this.ttlMs];
    for (const [userId, { positions }] of batch) {
      keys.push(this.key(userId));
      const fields = Object.entries(positions).filter((field): field is [string, number] => field[1] !== undefined);
      args.push(fields.length, ...fields.flat());
    }
    const settle = batch.flatMap(([, entry]) => entry.settle);
    this.recordsVia.latticeRaiseWritePositions(keys.length, ...keys, ...args).then(
      () => settle.forEach((s) => s.resolve()),
      (err: unknown) => settle.forEach((s) => s.reject(err)),
    );
  };

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
