/**
 * The worker split as operators run it (`npm run cluster`): 2 client readers,
 * 2 sync workers, 2 event persisters, media, federation inbound and sender,
 * Redis and nginx in front, all real processes over a real PostgreSQL.
 * matrix-js-sdk clients talk to nginx; read-your-writes is checked by pinning
 * requests to different replicas; then a sync worker is killed mid-long-poll
 * and Redis is restarted under load.
 */
import pg from 'pg';
import { ClientEvent, EventType, MsgType, SyncState, type MatrixClient, type Room } from 'matrix-js-sdk';
import { eventPersisterFor } from '@lattice/worker-runtime';
import { matrixClient } from '../support/matrix-client.js';
import { eventually } from '../support/wait.js';
import { startCluster, type RunningCluster } from './support/cluster-process.js';

let cluster: RunningCluster;
const clients: MatrixClient[] = [];

interface Account {
  userId: string;
  token: string;
}

async function register(baseUrl: string, username: string): Promise<Account> {
  const anon = matrixClient(baseUrl);
  const uia = await anon.registerRequest({ username, password: 'pw pw pw pw' }).catch((e: { data: { session: string } }) => e.data);
  const reg = await anon.register(username, 'pw pw pw pw', (uia as { session: string }).session, { type: 'm.login.dummy' });
  return { userId: reg.user_id, token: reg.access_token! };
}

async function syncingClient(username: string): Promise<MatrixClient> {
  const { userId, token } = await register(cluster.state.url, username);
  const client = matrixClient(cluster.state.url, { accessToken: token, userId });
  clients.push(client);
  const prepared = new Promise<void>((resolve, reject) => {
    client.on(ClientEvent.Sync, (state: SyncState) => {
      if (state === SyncState.Prepared) resolve();
      if (state === SyncState.Error) reject(new Error(`${username}: initial sync failed`));
    });
  });
  await client.startClient({ initialSyncLimit: 20 });
  await prepared;
  return client;
}

function bodies(room: Room | null): string[] {
  return (room?.getLiveTimeline().getEvents() ?? [])
    .filter((e) => e.getType() === EventType.RoomMessage)
    .map((e) => e.getContent().body as string);
}

/** A raw Client-Server call to one base URL (a replica, or nginx). */
async function call<T = Record<string, unknown>>(base: string, token: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}/_matrix/client/v3${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method} ${path} on ${base}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function withDb<T>(fn: (db: pg.Client) => Promise<T>): Promise<T> {
  const db = new pg.Client({ connectionString: cluster.state.database });
  await db.connect();
  try {
    return await fn(db);
  } finally {
    await db.end();
  }
}

type SyncBody = { next_batch: string; rooms?: { join?: Record<string, { timeline: { events: Array<{ event_id: string }> } }> } };

function syncedEventIds(sync: SyncBody, roomId: string): string[] {
  return sync.rooms?.join?.[roomId]?.timeline.events.map((e) => e.event_id) ?? [];
}

/** Syncs on (through nginx) from `first` until `eventId` arrives; returns every copy of it seen on the way. */
async function followUntil(first: SyncBody, roomId: string, eventId: string): Promise<string[]> {
  const seen = syncedEventIds(first, roomId).filter((id) => id === eventId);
  let since = first.next_batch;
  for (let i = 0; i < 20 && seen.length === 0; i++) {
    const next = await call<SyncBody>(cluster.state.url, bobToken(), 'GET', `/sync?timeout=10000&since=${since}`);
    seen.push(...syncedEventIds(next, roomId).filter((id) => id === eventId));
    since = next.next_batch;
  }
  return seen;
}

let bobToken: () => string;

beforeAll(async () => {
  cluster = await startCluster({ persisters: 2 });
}, 240_000);

afterAll(async () => {
  for (const c of clients) c.stopClient();
  await cluster?.stop();
}, 60_000);

describe('the worker split behind nginx', () => {
  const persisters = ['event-persister-1', 'event-persister-2'];
  let alice: MatrixClient;
  let bob: MatrixClient;
  const roomIds: string[] = [];

  it('matrix-js-sdk clients register, create rooms over both persisters, chat and see each other through sync', async () => {
    alice = await syncingClient('alice');
    bob = await syncingClient('bob');
    bobToken = () => bob.getAccessToken()!;
    // Enough rooms that both persisters own some (rendezvous hash over the two names).
    for (let i = 0; i < 8; i++) {
      const { room_id } = await alice.createRoom({ name: `room ${i}`, invite: [bob.getUserId()!] });
      roomIds.push(room_id);
    }
    const owners = new Set(roomIds.map((r) => eventPersisterFor(r, persisters)));
    expect(owners).toEqual(new Set(persisters));

    for (const roomId of roomIds) {
      await eventually(`bob invited to ${roomId}`, () => bob.getRoom(roomId));
      await bob.joinRoom(roomId);
      await alice.sendTextMessage(roomId, `hello from alice in ${roomId}`);
      await bob.sendMessage(roomId, { msgtype: MsgType.Text, body: `hello from bob in ${roomId}` });
    }
    for (const roomId of roomIds) {
      await eventually(`bob sees alice in ${roomId}`, () => bodies(bob.getRoom(roomId)).includes(`hello from alice in ${roomId}`));
      await eventually(`alice sees bob in ${roomId}`, () => bodies(alice.getRoom(roomId)).includes(`hello from bob in ${roomId}`));
    }

    // Every message was written by the persister that owns its room, and both persisters wrote some.
    const writers = await withDb((db) =>
      db.query<{ room_id: string; instance_name: string }>(
        `SELECT DISTINCT room_id, instance_name FROM events WHERE type = 'm.room.message' AND room_id = ANY($1)`,
        [roomIds],
      ),
    );
    expect(writers.rows.length).toBe(roomIds.length);
    for (const row of writers.rows) expect(row.instance_name).toBe(eventPersisterFor(row.room_id, persisters));
  });

  it('read-your-writes: a write answered by one client reader is visible at once on the other, and in /sync on either sync worker', async () => {
    const { token, userId } = await register(cluster.state.url, 'carol');
    const readers = [cluster.urlOf('client-reader-1'), cluster.urlOf('client-reader-2')];
    const syncs = [cluster.urlOf('sync-1'), cluster.urlOf('sync-2')];
    const rooms: string[] = [];
    for (let i = 0; i < 4; i++) rooms.push((await call<{ room_id: string }>(readers[i % 2]!, token, 'POST', '/createRoom', {})).room_id);
    let since = (await call<SyncBody>(syncs[0]!, token, 'GET', '/sync?timeout=0')).next_batch;

    for (let i = 0; i < 40; i++) {
      const writer = readers[i % 2]!;
      const reader = readers[(i + 1) % 2]!;
      const roomId = rooms[i % rooms.length]!;
      const { event_id } = await call<{ event_id: string }>(writer, token, 'PUT', `/rooms/${encodeURIComponent(roomId)}/send/m.room.message/rw${i}`, {
        msgtype: 'm.text',
        body: `rw ${i}`,
      });
      const page = await call<{ chunk: Array<{ event_id: string }> }>(reader, token, 'GET', `/rooms/${encodeURIComponent(roomId)}/messages?dir=b&limit=1`);
      expect(page.chunk[0]?.event_id).toBe(event_id);
      const event = await call<{ event_id: string }>(reader, token, 'GET', `/rooms/${encodeURIComponent(roomId)}/event/${encodeURIComponent(event_id)}`);
      expect(event.event_id).toBe(event_id);
      const sync = await call<SyncBody>(syncs[(i + 1) % 2]!, token, 'GET', `/sync?timeout=0&since=${since}`);
      expect(syncedEventIds(sync, roomId)).toContain(event_id);
      since = sync.next_batch;

      const type = `org.example.rw${i % 3}`;
      await call(writer, token, 'PUT', `/user/${encodeURIComponent(userId)}/account_data/${type}`, { i });
      expect(await call(reader, token, 'GET', `/user/${encodeURIComponent(userId)}/account_data/${type}`)).toEqual({ i });
      const state = { name: `name ${i}` };
      await call(writer, token, 'PUT', `/rooms/${encodeURIComponent(roomId)}/state/m.room.name/`, state);
      expect(await call(reader, token, 'GET', `/rooms/${encodeURIComponent(roomId)}/state/m.room.name/`)).toEqual(state);
    }
  });

  it('set_presence on a /sync served by a sync worker reaches the user\'s presence writer, and others see it', async () => {
    const dave = await register(cluster.state.url, 'dave');
    const erin = await register(cluster.state.url, 'erin');
    const { room_id: roomId } = await call<{ room_id: string }>(cluster.state.url, dave.token, 'POST', '/createRoom', { invite: [erin.userId] });
    await call(cluster.state.url, erin.token, 'POST', `/rooms/${encodeURIComponent(roomId)}/join`, {});
    const erinSince = (await call<SyncBody>(cluster.urlOf('sync-2'), erin.token, 'GET', '/sync?timeout=0')).next_batch;
    type PresenceSync = SyncBody & { presence?: { events: Array<{ sender: string; content: { presence: string } }> } };
    const presenceOf = (sync: PresenceSync, userId: string) => sync.presence?.events.find((e) => e.sender === userId)?.content.presence;
    const status = (base: string) =>
      call<{ presence: string }>(base, erin.token, 'GET', `/presence/${encodeURIComponent(dave.userId)}/status`).then((s) => s.presence);

    // Sync workers write no presence: the change goes to dave's presence writer, and this very sync carries it.
    const own = await call<PresenceSync>(cluster.urlOf('sync-1'), dave.token, 'GET', '/sync?timeout=0&set_presence=unavailable');
    expect(presenceOf(own, dave.userId)).toBe('unavailable');
    for (const reader of ['client-reader-1', 'client-reader-2']) expect(await status(cluster.urlOf(reader))).toBe('unavailable');
    // Erin's long-poll may also end for her own presence: she follows her tokens until dave's shows.
    let since = erinSince;
    let daves: string | undefined;
    for (let i = 0; i < 10 && daves === undefined; i++) {
      const next = await call<PresenceSync>(cluster.urlOf('sync-2'), erin.token, 'GET', `/sync?timeout=10000&since=${since}`);
      daves = presenceOf(next, dave.userId);
      since = next.next_batch;
    }
    expect(daves).toBe('unavailable');

    // A sync without set_presence (online) on the other sync worker, from dave's token.
    await call(cluster.urlOf('sync-2'), dave.token, 'GET', `/sync?timeout=0&since=${own.next_batch}`);
    for (const reader of ['client-reader-1', 'client-reader-2']) expect(await status(cluster.urlOf(reader))).toBe('online');
  });

  it('a sync worker killed mid-long-poll: the client continues on the other replica and misses nothing', async () => {
    const roomId = roomIds[0]!;
    const before = await call<SyncBody>(cluster.state.url, bob.getAccessToken()!, 'GET', '/sync?timeout=0');
    // Two long-polls through nginx: round robin puts one on each sync worker.
    const polls = [0, 1].map(() =>
      call<SyncBody>(cluster.state.url, bob.getAccessToken()!, 'GET', `/sync?timeout=20000&since=${before.next_batch}`),
    );
    await new Promise((r) => setTimeout(r, 500));
    process.kill(cluster.processOf('sync-1').pid, 'SIGKILL');
    const { event_id } = await alice.sendTextMessage(roomId, 'after the crash');
    // A long-poll may also end for other changes: each client follows its chain of tokens until the message shows.
    for (const poll of polls) expect(await followUntil(await poll, roomId, event_id)).toEqual([event_id]);
    // Later requests all land on the survivor, from the same token, without a gap.
    for (let i = 0; i < 3; i++) {
      const again = await call<SyncBody>(cluster.state.url, bob.getAccessToken()!, 'GET', `/sync?timeout=0&since=${before.next_batch}`);
      expect(syncedEventIds(again, roomId)).toContain(event_id);
    }
    await eventually('bob\'s client sees the message', () => bodies(bob.getRoom(roomId)).includes('after the crash'));
  }, 120_000);

  it('Redis restarted under load: every acknowledged message is delivered, the workers reconverge', async () => {
    const token = alice.getAccessToken()!;
    const since = (await call<SyncBody>(cluster.state.url, token, 'GET', '/sync?timeout=0')).next_batch;
    const acked = new Map<string, string>();
    /** A client retrying a send (same txnId) until it is acknowledged. */
    const send = async (roomId: string, txnId: string) => {
      for (;;) {
        try {
          const { event_id } = await call<{ event_id: string }>(cluster.state.url, token, 'PUT', `/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${txnId}`, {
            msgtype: 'm.text',
            body: txnId,
          });
          acked.set(event_id, roomId);
          return;
        } catch {
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    };
    const load = roomIds.slice(0, 4).flatMap((roomId, r) => Array.from({ length: 5 }, (_, i) => send(roomId, `redis-${r}-${i}`)));
    await cluster.restartRedis(1000);
    await Promise.all(load);
    expect(acked.size).toBe(20);

    const rooms = [...new Set(acked.values())];
    for (const base of [cluster.urlOf('client-reader-1'), cluster.urlOf('client-reader-2')]) {
      for (const roomId of rooms) {
        const page = await call<{ chunk: Array<{ event_id: string }> }>(base, token, 'GET', `/rooms/${encodeURIComponent(roomId)}/messages?dir=b&limit=50`);
        const ids = page.chunk.map((e) => e.event_id);
        for (const [eventId, room] of acked) if (room === roomId) expect(ids.filter((id) => id === eventId)).toHaveLength(1);
      }
    }
    const sync = await call<SyncBody>(cluster.urlOf('sync-2'), token, 'GET', `/sync?timeout=0&since=${since}&filter=${encodeURIComponent(JSON.stringify({ room: { timeline: { limit: 50 } } }))}`);
    const synced = new Set(rooms.flatMap((roomId) => syncedEventIds(sync, roomId)));
    for (const eventId of acked.keys()) expect(synced.has(eventId)).toBe(true);
  });
});
