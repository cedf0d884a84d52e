/**
 * A purge run by one worker empties the caches of the others: two workers on
 * one PostgreSQL and one Redis, as the worker split runs them. Worker A writes
 * every stream (the client reader that runs admin jobs and retention); worker
 * B writes none and listens for purged rooms as every role does
 * (role-features.ts). B has read, and cached, old messages and an old state
 * event; the purge deletes the messages and turns the state event into an
 * outlier (kept for the room's state, out of every timeline). Once A's purge
 * (admin API, then retention) has ended, B serves none of them, from GET /event
 * and /messages alike: a B whose cache kept the state event as a timeline event
 * would still serve it.
 */
import { randomUUID } from 'node:crypto';
import { createTestDatabase, type Database } from '@lattice/storage';
import { Redis } from 'ioredis';
import { registerAccount } from '@lattice/client-api';
import { adminRouter, listenForPurgedRooms, runRetentionJob } from '@lattice/admin';
import { startReplicaWorker, type ReplicaWorker } from './support/replica-worker.js';

const CONFIG = `
server_name: test.local
retention:
  enabled: true
  default_policy: { max_lifetime: 1d }
`;

describe('purged rooms leave the caches of every worker (PostgreSQL, Redis)', () => {
  let db: Database;
  let redis: Redis;
  const closers: Array<() => Promise<void>> = [];
  let a: ReplicaWorker;
  let b: ReplicaWorker;
  let admin: string;
  let alice: string;

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
    await redis.connect();
    const namespace = `lattice-test-${randomUUID()}`;
    const nameA = `a-${randomUUID()}`;
    a = await worker(namespace, nameA, nameA);
    b = await worker(namespace, `b-${randomUUID()}`, nameA);
    const session = { refreshable: false };
    const adminAccount = await registerAccount(a.ctx, { localpart: `admin${randomUUID().slice(0, 6)}`, password: 'pw for admin', session });
    await db.query('UPDATE users SET admin = TRUE WHERE user_id = $1', [adminAccount.user_id]);
    admin = adminAccount.access_token!;
    alice = (await registerAccount(a.ctx, { localpart: `alice${randomUUID().slice(0, 6)}`, password: 'pw for alice', session })).access_token!;
  });

  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    redis.disconnect();
    await db.close();
  });

  async function worker(namespace: string, instanceName: string, writer: string): Promise<ReplicaWorker> {
    const started = await startReplicaWorker({
      db,
      redis,
      namespace,
      instanceName,
      writer,
      yaml: CONFIG,
      // A serves the admin API; B is any other role (sync, persister...): it only listens, as roleFeatures has every role do.
      mount: (ctx, late) => {
        if (instanceName === writer) late.use(adminRouter(ctx));
        else listenForPurgedRooms(ctx);
      },
    });
    closers.push(() => started.close());
    return started;
  }

  async function call<T = Record<string, unknown>>(w: ReplicaWorker, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(w.url + path, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as T };
  }

  const enc = encodeURIComponent;
  const eventOn = (w: ReplicaWorker, roomId: string, eventId: string) => call(w, alice, 'GET', `/_matrix/client/v3/rooms/${enc(roomId)}/event/${enc(eventId)}`);

  /** A room on A with old messages, an old state event and newer messages; B has read (and cached) the old ones. */
  async function roomCachedOnB(): Promise<{ roomId: string; messages: string[]; old: string[]; kept: string }> {
    const created = await call<{ room_id: string }>(a, alice, 'POST', '/_matrix/client/v3/createRoom', {});
    const roomId = created.body.room_id;
    const send = async (body: string) =>
      (await call<{ event_id: string }>(a, alice, 'PUT', `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/${randomUUID()}`, { msgtype: 'm.text', body }))
        .body.event_id;
    const messages = [await send('old 0'), await send('old 1')];
    const topic = await call<{ event_id: string }>(a, alice, 'PUT', `/_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.topic/`, { topic: 'old' });
    const old = [...messages, topic.body.event_id];
    const kept = await send('kept');
    await send('latest');
    // B serves alice's reads once it has caught up with her writes (read-your-writes): now cached there.
    for (const id of old) expect((await eventOn(b, roomId, id)).status).toBe(200);
    return { roomId, messages, old, kept };
  }

  /** B stops serving the purged events once A's caches row reaches it over Redis (a hint; bounded wait). */
  async function goneOnB(roomId: string, eventIds: string[]): Promise<void> {
    for (let i = 0; i < 200; i++) {
      const statuses = await Promise.all(eventIds.map(async (id) => (await eventOn(b, roomId, id)).status));
      if (statuses.every((s) => s === 404)) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    for (const id of eventIds) expect((await eventOn(b, roomId, id)).status).toBe(404);
    const page = await call<{ chunk: Array<{ event_id: string }> }>(b, alice, 'GET', `/_matrix/client/v3/rooms/${enc(roomId)}/messages?dir=b&limit=50`);
    const served = page.body.chunk.map((e) => e.event_id);
    for (const id of eventIds) expect(served).not.toContain(id);
  }

  test('a history purge through the admin API on A', async () => {
    const { roomId, messages, old, kept } = await roomCachedOnB();
    const started = await call<{ purge_id: string }>(a, admin, 'POST', `/_synapse/admin/v1/purge_history/${enc(roomId)}`, {
      purge_up_to_event_id: kept,
      delete_local_events: true,
    });
    expect(started.status).toBe(200);
    let status = 'active';
    for (let i = 0; i < 400 && status === 'active'; i++) {
      status = (await call<{ status: string }>(a, admin, 'GET', `/_synapse/admin/v1/purge_history_status/${started.body.purge_id}`)).body.status;
      if (status === 'active') await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(status).toBe('complete');
    const { rows } = await db.query('SELECT 1 FROM events WHERE event_id = ANY ($1::text[])', [messages]);
    expect(rows).toEqual([]);
    await goneOnB(roomId, old);
    expect((await eventOn(b, roomId, kept)).status).toBe(200);
  });

  test('a retention purge run by A', async () => {
    const { roomId, messages, old } = await roomCachedOnB();
    // Two days on, every message but the room's newest (its forward extremity) has outlived the one-day policy.
    expect(await runRetentionJob(a.ctx, { interval: 60_000 }, Date.now() + 2 * 86_400_000)).toContain(roomId);
    const { rows } = await db.query('SELECT 1 FROM events WHERE event_id = ANY ($1::text[])', [messages]);
    expect(rows).toEqual([]);
    await goneOnB(roomId, old);
  });
});
