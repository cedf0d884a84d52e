/**
 * A pusher set through one worker is pushed to at once by the worker that
 * persists the room's events, as in the worker split: worker A writes events
 * (its dispatcher has just looked up the room's members with pushers, and
 * found none), worker B writes the `caches` stream and takes the user's
 * /pushers/set. Two workers on one PostgreSQL and one Redis.
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { Redis } from 'ioredis';
import { registerAccount } from '@lattice/client-api';
import { createPushModule, InProcessPushQueue } from '@lattice/push';
import { createTestDatabase, type Database } from '@lattice/storage';
import { startReplicaWorker, type ReplicaWorker } from '../../admin/test/support/replica-worker.js';
import { LOOPBACK_GATEWAY_ALLOWED } from './support/push-server.js';
import { startTestGateway, type TestGateway } from './support/push-gateway.js';

const CONFIG = `server_name: test.local\n${LOOPBACK_GATEWAY_ALLOWED}`;

describe('pusher changes across two workers (PostgreSQL, Redis)', () => {
  let db: Database;
  let redis: Redis;
  let gateway: TestGateway;
  const closers: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
    await redis.connect();
    gateway = await startTestGateway();
  });

  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    redis.disconnect();
    await gateway.close();
    await db.close();
  });

  async function worker(namespace: string, instanceName: string, writer: string, cachesWriter: string): Promise<ReplicaWorker> {
    const queue = new InProcessPushQueue(pino({ level: 'silent' }), { attempts: 2, backoffMs: 20 });
    let close = async (): Promise<void> => undefined;
    const started = await startReplicaWorker({
      db,
      redis,
      namespace,
      instanceName,
      writer,
      writers: { caches: cachesWriter },
      yaml: CONFIG,
      mount: (ctx, late) => {
        const push = createPushModule(ctx, { queue });
        late.use(push.router);
        close = () => push.close();
      },
    });
    closers.push(() => started.close(), () => close());
    return started;
  }

  async function call(base: string, token: string, method: string, path: string, body: unknown = {}): Promise<Record<string, unknown>> {
    const res = await fetch(`${base}/_matrix/client/v3${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }

  test('a pusher set on the caches writer is used by the events writer for the next message', async () => {
    const namespace = `lattice-test-${randomUUID()}`;
    const nameA = `a-${randomUUID()}`;
    const nameB = `b-${randomUUID()}`;
    const a = await worker(namespace, nameA, nameA, nameB);
    const b = await worker(namespace, nameB, nameA, nameB);
    const session = { refreshable: false };
    const alice = await registerAccount(a.ctx, { localpart: `alice${randomUUID().slice(0, 6)}`, password: 'pw for alice', session });
    const bob = await registerAccount(a.ctx, { localpart: `bob${randomUUID().slice(0, 6)}`, password: 'pw for bob', session });
    const { room_id: roomId } = (await call(a.url, alice.access_token!, 'POST', '/createRoom', { preset: 'private_chat', invite: [bob.user_id] })) as {
      room_id: string;
    };
    await call(a.url, bob.access_token!, 'POST', `/join/${encodeURIComponent(roomId)}`);
    const send = async (body: string) =>
      (await call(a.url, alice.access_token!, 'PUT', `/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${randomUUID()}`, { msgtype: 'm.text', body }))
        .event_id as string;
    // A's dispatcher looks up the room's members with pushers for this message: bob has none yet.
    await send('before the pusher');

    await call(b.url, bob.access_token!, 'POST', '/pushers/set', {
      kind: 'http',
      app_id: 'app',
      pushkey: 'bob-phone',
      app_display_name: 'A',
      device_display_name: 'D',
      lang: 'en',
      data: { url: gateway.url },
    });
    // The announcement reaches A (over Redis) before the next message is sent.
    expect(await a.ctx.rooms.hub.waitForToken(b.ctx.rooms.hub.currentToken(), 5_000)).toBe(true);
    const pushed = await send('after the pusher');
    const received = await gateway.waitFor(1);
    expect(received.map((n) => n.event_id)).toEqual([pushed]);
  });
});
