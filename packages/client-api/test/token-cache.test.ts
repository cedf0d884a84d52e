/**
 * The access-token cache across replicas: two client-api workers on one
 * PostgreSQL and one Redis, as the worker split runs them. A token one worker
 * has cached must stop working there as soon as another worker's revocation
 * has answered, including when the revocation's announcement is lost on the way.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateSigningKey, parseConfig } from '@lattice/core';
import {
  CachesRowSource,
  DURABLE_STREAMS,
  RedisTransport,
  RedisUserWritePositions,
  type DurableStreamName,
} from '@lattice/replication';
import { createTestDatabase, type Database } from '@lattice/storage';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { createClientApiApp, createRoomServices, registerAccount, type ClientApiContext } from '@lattice/client-api';

const CONFIG = `
server_name: test.local
registration_shared_secret: test-shared-secret
`;

/** Loses the next `drops` announcements (they still reach this process's own hub). */
class DroppingTransport extends RedisTransport {
  drops = 0;
  protected override send(message: string): void {
    if (this.drops > 0) this.drops--;
    else super.send(message);
  }
}

interface Worker {
  url: string;
  ctx: ClientApiContext;
  transport: RedisTransport;
}

describe('access-token cache across two workers (PostgreSQL, Redis)', () => {
  let db: Database;
  let redis: Redis;
  let closers: Array<() => Promise<void>>;

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
    await redis.connect();
  });

  afterAll(async () => {
    redis.disconnect();
    await db.close();
  });

  beforeEach(() => {
    closers = [];
  });

  afterEach(async () => {
    for (const close of closers.reverse()) await close();
  });

  /** Worker A writes every stream; worker B reads them (its own revocations would need it to be a caches writer). */
  async function twoWorkers(): Promise<{ a: Worker; b: Worker }> {
    const namespace = `lattice-test-${randomUUID()}`;
    const nameA = `a-${randomUUID()}`;
    const streamWriters = Object.fromEntries(DURABLE_STREAMS.map((s) => [s, [nameA]])) as Record<DurableStreamName, string[]>;
    const a = await worker(namespace, nameA, { streamWriters }, DroppingTransport);
    const b = await worker(namespace, `b-${randomUUID()}`, { streamWriters, writes: [] }, RedisTransport);
    return { a, b };
  }

  async function worker(
    namespace: string,
    instanceName: string,
    topology: { streamWriters: Record<DurableStreamName, string[]>; writes?: DurableStreamName[] },
    Transport: typeof RedisTransport,
  ): Promise<Worker> {
    const logger = pino({ level: 'silent' });
    const config = parseConfig(CONFIG, { env: {}, configDir: '/tmp' });
    const transport = new Transport({ namespace, logger });
    const rooms = await createRoomServices({
      db,
      config,
      signingKey: generateSigningKey('a_test'),
      instanceName,
      logger,
      transport,
      flushDelayMs: 1,
      hub: { ...topology, rowSources: { caches: new CachesRowSource(db) } },
      userWrites: new RedisUserWritePositions({ redis, prefix: namespace }),
    });
    const ctx: ClientApiContext = { config, db, logger, rooms };
    const server: Server = await new Promise((resolve) => {
      const s = createClientApiApp(ctx).listen(0, '127.0.0.1', () => resolve(s));
    });
    closers.push(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await rooms.close();
      await transport.close();
    });
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, ctx, transport };
  }

  async function whoami(w: Worker, token: string): Promise<{ status: number; errcode?: string }> {
    const res = await fetch(`${w.url}/_matrix/client/v3/account/whoami`, { headers: { Authorization: `Bearer ${token}` } });
    const body = (await res.json()) as { errcode?: string };
    return { status: res.status, errcode: body.errcode };
  }

  async function post(w: Worker, path: string, token: string): Promise<number> {
    const res = await fetch(`${w.url}/_matrix/client/v3${path}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: '{}',
    });
    return res.status;
  }

  async function user(w: Worker): Promise<string> {
    const account = await registerAccount(w.ctx, {
      localpart: `u${randomUUID().slice(0, 8)}`,
      password: 'correct horse battery staple',
      session: { refreshable: false },
    });
    return account.access_token!;
  }

  test('a logout on one worker revokes the token the other worker has cached', async () => {
    const { a, b } = await twoWorkers();
    const token = await user(a);
    expect((await whoami(b, token)).status).toBe(200); // now cached on B
    expect(await post(a, '/logout', token)).toBe(200);
    expect(await whoami(b, token)).toEqual({ status: 401, errcode: 'M_UNKNOWN_TOKEN' });
    expect(await whoami(a, token)).toEqual({ status: 401, errcode: 'M_UNKNOWN_TOKEN' });
  });

  test('a revocation whose announcement was lost is still honoured by the other worker', async () => {
    const { a, b } = await twoWorkers();
    const token = await user(a);
    const other = await user(a);
    expect((await whoami(b, token)).status).toBe(200);
    expect((await whoami(b, other)).status).toBe(200);
    (a.transport as DroppingTransport).drops = 1;
    expect(await post(a, '/logout', token)).toBe(200);
    // B never heard of the logout, but the user's recorded write tells it its cache is behind.
    expect(await whoami(b, token)).toEqual({ status: 401, errcode: 'M_UNKNOWN_TOKEN' });
    // Tokens of users without pending revocations keep being served.
    expect((await whoami(b, other)).status).toBe(200);
  });
});
