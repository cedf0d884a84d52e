/**
 * The worker split's rate limiter: buckets in Redis (127.0.0.1:6379) shared
 * by every replica, and open (allowing, logging) when Redis cannot answer.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { RedisRateLimiter } from '@lattice/worker-runtime';
import { freePort } from '../../../tests/support/free-port.js';
import { startTestServer, v3, type TestServer } from '../../client-api/test/support/test-server.js';
import { createRoom, nextTxnId } from '../../client-api/test/support/rooms.js';

const REDIS = { host: '127.0.0.1', port: 6379 };
const silent = pino({ level: 'silent' });
const uniquePrefix = () => `test:ratelimit:${randomBytes(6).toString('hex')}`;

/** Until the fail-fast connection is up, the limiter allows everything: wait for a first refusal of an empty bucket. */
async function connected(l: RedisRateLimiter): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await l.attempt('probe', { per_second: 1, burst_count: 0 }, { record: false })) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the limiter never reached Redis');
}

describe('RedisRateLimiter', () => {
  const limiters: RedisRateLimiter[] = [];
  const limiter = (prefix: string, logger = silent, redis = REDIS) => {
    const created = new RedisRateLimiter({ redis, prefix, logger });
    limiters.push(created);
    return created;
  };
  afterAll(async () => {
    for (const l of limiters) await l.close();
  });

  test('two limiters on one Redis share every bucket', async () => {
    const prefix = uniquePrefix();
    const [a, b] = [limiter(prefix), limiter(prefix)];
    await Promise.all([connected(a), connected(b)]);
    const limit = { per_second: 0.01, burst_count: 3 };
    expect(await a.attempt('rc_message:@u:x', limit)).toBe(0);
    expect(await b.attempt('rc_message:@u:x', limit)).toBe(0);
    expect(await a.attempt('rc_message:@u:x', limit)).toBe(0);
    const wait = await b.attempt('rc_message:@u:x', limit);
    // One token at 0.01/s is about 100 s away (Redis's clock has moved a little since).
    expect(wait).toBeGreaterThan(90_000);
    expect(wait).toBeLessThanOrEqual(100_000);
    expect(await a.attempt('rc_message:@u:x', limit)).toBeGreaterThan(0);
    // Other keys, and other prefixes (other servers), have their own buckets.
    expect(await b.attempt('rc_message:@v:x', limit)).toBe(0);
    const other = limiter(uniquePrefix());
    await connected(other);
    expect(await other.attempt('rc_message:@u:x', limit)).toBe(0);
  });

  test('checks record nothing; costs take several tokens; a bucket that never refills says an hour', async () => {
    const l = limiter(uniquePrefix());
    await connected(l);
    const limit = { per_second: 1, burst_count: 3 };
    for (let i = 0; i < 5; i++) expect(await l.attempt('k', limit, { record: false })).toBe(0);
    expect(await l.attempt('k', limit, { cost: 4 })).toBeGreaterThan(0);
    expect(await l.attempt('k', limit, { cost: 3 })).toBe(0);
    expect(await l.attempt('k', limit)).toBeGreaterThan(0);
    const never = { per_second: 0, burst_count: 1 };
    expect(await l.attempt('n', never)).toBe(0);
    expect(await l.attempt('n', never)).toBe(3_600_000);
  });

  test('with Redis unreachable it fails open: requests are allowed and the failure is logged', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, new Writable({ write: (chunk, _enc, done) => void (lines.push(String(chunk)), done()) }));
    const l = limiter(uniquePrefix(), logger, { host: '127.0.0.1', port: await freePort() });
    const empty = { per_second: 0, burst_count: 0 };
    for (let i = 0; i < 5; i++) expect(await l.attempt('k', empty)).toBe(0);
    expect(lines.filter((line) => line.includes('Redis unavailable'))).toHaveLength(1);
  });
});

describe('rc_message across two replicas sharing Redis', () => {
  let replicas: TestServer[];
  let limiters: RedisRateLimiter[];
  beforeAll(async () => {
    const prefix = uniquePrefix();
    const config = { rc_message: { per_second: 0.001, burst_count: 3 } };
    replicas = [await startTestServer('pglite', { config }), await startTestServer('pglite', { config })];
    limiters = replicas.map(() => new RedisRateLimiter({ redis: REDIS, prefix, logger: silent }));
    replicas.forEach((hs, i) => (hs.ctx.rateLimiter = limiters[i]));
  });
  afterAll(async () => {
    for (const hs of replicas) await hs.close();
    for (const l of limiters) await l.close();
  });

  test('the user sends 3 messages through either replica; the 4th is refused by both', async () => {
    // The same account on both (the replicas' databases are separate here; buckets are keyed by user id).
    const users = [await replicas[0]!.createUser('alice'), await replicas[1]!.createUser('alice')];
    const rooms = [await createRoom(replicas[0]!, users[0]!), await createRoom(replicas[1]!, users[1]!)];
    const send = (i: number) =>
      replicas[i]!.request('PUT', v3(`/rooms/${encodeURIComponent(rooms[i]!)}/send/m.room.message/${nextTxnId()}`), {
        token: users[i]!.access_token,
        body: { msgtype: 'm.text', body: 'hi' },
      });
    for (const l of limiters) await connected(l);
    expect([(await send(0)).status, (await send(1)).status, (await send(0)).status]).toEqual([200, 200, 200]);
    for (const i of [1, 0]) {
      const refused = await send(i);
      expect([refused.status, refused.body.errcode]).toEqual([429, 'M_LIMIT_EXCEEDED']);
      expect(Number(refused.headers.get('retry-after'))).toBe(Math.ceil((refused.body.retry_after_ms as number) / 1000));
    }
  });
});
