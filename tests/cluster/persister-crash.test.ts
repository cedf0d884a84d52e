/**
 * Stream-writer fencing in the worker split: one of two event persisters is
 * SIGKILLed while clients send. The events stream's safe position is the
 * minimum over both persisters, so without fencing the dead one would hold
 * it back and nobody would see the survivor's rooms again. The survivor's
 * rooms must keep reaching another user's /sync (through nginx, on the sync
 * workers); once the killed persister is back its rooms flow again, and
 * every acknowledged event is there exactly once.
 */
import { eventPersisterFor } from '@lattice/worker-runtime';
import { eventually } from '../support/wait.js';
import { startCluster, type RunningCluster } from './support/cluster-process.js';

const PERSISTERS = ['event-persister-1', 'event-persister-2'];
const VICTIM = 'event-persister-1';

let cluster: RunningCluster;
/** Set when the test ends: clients stop retrying (a failed test must not leave them running). */
let finished = false;

interface Account {
  userId: string;
  token: string;
}

async function call<T = Record<string, unknown>>(token: string | undefined, method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const res = await fetch(`${cluster.state.url}/_matrix/client/v3${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  try {
    return { status: res.status, json: JSON.parse(text) as T };
  } catch {
    throw new Error(`${method} ${path}: ${res.status} answered by nginx, not a worker: ${text.slice(0, 200)}`);
  }
}

async function ok<T = Record<string, unknown>>(token: string | undefined, method: string, path: string, body?: unknown): Promise<T> {
  const { status, json } = await call<T>(token, method, path, body);
  if (status !== 200) throw new Error(`${method} ${path}: ${status} ${JSON.stringify(json)}`);
  return json;
}

async function register(username: string): Promise<Account> {
  const password = 'pw pw pw pw';
  const first = await call<{ session: string }>(undefined, 'POST', '/register', { username, password });
  const reg = await ok<{ user_id: string; access_token: string }>(undefined, 'POST', '/register', {
    username,
    password,
    auth: { type: 'm.login.dummy', session: first.json.session },
  });
  return { userId: reg.user_id, token: reg.access_token };
}

const room = (roomId: string) => encodeURIComponent(roomId);

/** A client sending one message, retrying with the same txnId until it is acknowledged. */
async function sendRetrying(token: string, roomId: string, txnId: string, acked: Map<string, string>): Promise<void> {
  while (!finished) {
    const res = await call<{ event_id?: string }>(token, 'PUT', `/rooms/${room(roomId)}/send/m.room.message/${txnId}`, { msgtype: 'm.text', body: txnId }).catch(
      () => undefined,
    );
    if (res?.status === 200 && res.json.event_id) {
      acked.set(res.json.event_id, roomId);
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

type SyncBody = { next_batch: string; rooms?: { join?: Record<string, { timeline: { events: Array<{ event_id: string }> } }> } };

/** Bob's /sync loop through nginx: every event id it was served, with the time it arrived. */
function syncLoop(token: string, since: string): { seen: Map<string, number>; stop: () => Promise<void> } {
  const seen = new Map<string, number>();
  const filter = encodeURIComponent(JSON.stringify({ room: { timeline: { limit: 200 } } }));
  let running = true;
  const loop = (async () => {
    let next = since;
    while (running) {
      const { status, json } = await call<SyncBody>(token, 'GET', `/sync?timeout=5000&since=${next}&filter=${filter}`).catch(() => ({
        status: 0,
        json: undefined as unknown as SyncBody,
      }));
      if (status !== 200) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      for (const joined of Object.values(json.rooms?.join ?? {})) {
        for (const e of joined.timeline.events) if (!seen.has(e.event_id)) seen.set(e.event_id, Date.now());
      }
      next = json.next_batch;
    }
  })();
  return {
    seen,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

beforeAll(async () => {
  cluster = await startCluster({ persisters: 2 });
}, 240_000);

afterAll(async () => {
  finished = true;
  await cluster?.stop();
}, 60_000);

it('an event persister killed with -9 while clients send: the other\'s rooms keep flowing, and after a restart nothing acknowledged is lost', async () => {
  const alice = await register('alice');
  const bob = await register('bob');
  // Rooms until each persister owns two (rendezvous hash of the room id); only two of each are used,
  // so the test's work does not depend on how the hash fell (a persister can get ten rooms before the other gets two).
  const owned = new Map<string, string[]>(PERSISTERS.map((p) => [p, []]));
  while ([...owned.values()].some((rooms) => rooms.length < 2)) {
    const { room_id } = await ok<{ room_id: string }>(alice.token, 'POST', '/createRoom', { invite: [bob.userId] });
    const rooms = owned.get(eventPersisterFor(room_id, PERSISTERS))!;
    if (rooms.length === 2) continue;
    await ok(bob.token, 'POST', `/rooms/${room(room_id)}/join`, {});
    rooms.push(room_id);
  }
  const victimRooms = owned.get(VICTIM)!;
  const survivorRooms = owned.get('event-persister-2')!;
  const rooms = [...victimRooms, ...survivorRooms];

  const start = await ok<SyncBody>(bob.token, 'GET', '/sync?timeout=0');
  const sync = syncLoop(bob.token, start.next_batch);
  const acked = new Map<string, string>();
  try {
    await Promise.all(rooms.map((r, i) => sendRetrying(alice.token, r, `before-${i}`, acked)));
    await eventually('bob sees the first messages', () => [...acked.keys()].every((id) => sync.seen.has(id)), 30_000);

    // Clients keep sending to every room while the victim is killed.
    const during = rooms.map(async (r, i) => {
      for (let n = 0; n < 3; n++) await sendRetrying(alice.token, r, `during-${i}-${n}`, acked);
    });
    await new Promise((r) => setTimeout(r, 150));
    cluster.kill(VICTIM);

    // The survivor's rooms flow to bob's /sync while the victim is down, and their sends succeed at the
    // first try: the 503s the client readers answer for the victim's rooms must not take the readers
    // out of nginx's rotation (that answered 502 "no live upstreams" to every client request).
    const survivorAcked = new Map<string, string>();
    const delays: number[] = [];
    for (let n = 0; n < 5; n++) {
      for (const [i, r] of survivorRooms.entries()) {
        const { event_id: eventId } = await ok<{ event_id: string }>(alice.token, 'PUT', `/rooms/${room(r)}/send/m.room.message/while-down-${i}-${n}`, {
          msgtype: 'm.text',
          body: `while-down-${i}-${n}`,
        });
        survivorAcked.set(eventId, r);
        const sentAt = Date.now();
        await eventually(`bob sees ${eventId} in a survivor's room while the victim is down`, () => sync.seen.has(eventId), 30_000);
        delays.push(sync.seen.get(eventId)! - sentAt);
      }
    }
    for (const [id, r] of survivorAcked) acked.set(id, r);
    console.log(`survivor's rooms while the victim was down: ack → bob's /sync max ${Math.max(...delays)} ms over ${delays.length} messages`);

    await cluster.restart(VICTIM);
    await Promise.all(during);
    await Promise.all(rooms.map((r, i) => sendRetrying(alice.token, r, `after-${i}`, acked)));
    await eventually('bob sees every acknowledged message', () => [...acked.keys()].every((id) => sync.seen.has(id)), 60_000);
  } finally {
    await sync.stop();
  }

  // Nothing lost or doubled in the rooms' histories, whichever client reader answers.
  for (const r of rooms) {
    const page = await ok<{ chunk: Array<{ event_id: string }> }>(alice.token, 'GET', `/rooms/${room(r)}/messages?dir=b&limit=100`);
    const ids = page.chunk.map((e) => e.event_id);
    for (const [eventId, inRoom] of acked) if (inRoom === r) expect(ids.filter((id) => id === eventId)).toHaveLength(1);
  }
  expect(acked.size).toBe(rooms.length * 5 + survivorRooms.length * 5);
}, 300_000);
