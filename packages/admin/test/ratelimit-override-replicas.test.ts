/**
 * A rate-limit override set through one client-api worker reaches the other:
 * two workers on one PostgreSQL and one Redis, as the worker split runs them.
 * Worker B has cached that the user has no override (and refuses their
 * media reservations past rc_media_create); once the admin's change has
 * answered on worker A, B drops its entry when the `caches` row reaches it,
 * and the requests go through. (/create writes no stream: worker B needs no
 * event persister.)
 */
import { randomUUID } from 'node:crypto';
import { createTestDatabase, type Database } from '@lattice/storage';
import { Redis } from 'ioredis';
import { registerAccount } from '@lattice/client-api';
import { adminRouter } from '@lattice/admin';
import { mediaRouter } from '@lattice/media';
import { startReplicaWorker, type ReplicaWorker } from './support/replica-worker.js';

const CONFIG = `
server_name: test.local
media_store_path: /tmp/lattice-override-replicas-media
rc_media_create: { per_second: 0.001, burst_count: 2 }
`;

describe('rate-limit overrides across two workers (PostgreSQL, Redis)', () => {
  let db: Database;
  let redis: Redis;
  const closers: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
    await redis.connect();
  });

  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    redis.disconnect();
    await db.close();
  });

  async function worker(namespace: string, instanceName: string, writer: string): Promise<ReplicaWorker> {
    const started = await startReplicaWorker({ db, redis, namespace, instanceName, writer, yaml: CONFIG, mount: (ctx, late) => late.use(mediaRouter(ctx), adminRouter(ctx)) });
    closers.push(() => started.close());
    return started;
  }

  async function call(base: string, token: string, method: string, path: string, body: unknown = {}): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(base + path, { method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  test('an override set on worker A lifts the limit on worker B', async () => {
    const namespace = `lattice-test-${randomUUID()}`;
    const nameA = `a-${randomUUID()}`;
    const a = await worker(namespace, nameA, nameA);
    const b = await worker(namespace, `b-${randomUUID()}`, nameA);
    const session = { refreshable: false };
    const admin = await registerAccount(a.ctx, { localpart: `admin${randomUUID().slice(0, 6)}`, password: 'pw for admin', session });
    await db.query('UPDATE users SET admin = TRUE WHERE user_id = $1', [admin.user_id]);
    const carol = await registerAccount(a.ctx, { localpart: `carol${randomUUID().slice(0, 6)}`, password: 'pw for carol', session });
    const createOnB = () => call(b.url, carol.access_token!, 'POST', '/_matrix/media/v1/create');

    // Two allowed, then refused: B has now cached "no override" for carol.
    expect([(await createOnB()).status, (await createOnB()).status, (await createOnB()).status]).toEqual([200, 200, 429]);
    const set = await call(a.url, admin.access_token!, 'POST', `/_synapse/admin/v1/users/${encodeURIComponent(carol.user_id)}/override_ratelimit`, {
      messages_per_second: 0,
      burst_count: 0,
    });
    expect(set.status).toBe(200);
    // B applies the caches row as it arrives over Redis; a worker that never dropped its entry would refuse forever.
    let status = 429;
    for (let i = 0; i < 200 && status === 429; i++) {
      status = (await createOnB()).status;
      if (status === 429) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await createOnB()).status).toBe(200);
  });
});
