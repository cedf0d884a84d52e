/**
 * Two worker-split clusters federate with each other over TLS (test CA), and
 * with a single-process server. Cluster A runs 2 event persisters and 2
 * federation senders, which share A's destinations by a rendezvous hash of
 * the server name (federation_sender_instances); cluster B runs 2 persisters
 * and 1 sender; server C is a single process. B's name is picked so that B
 * and C belong to different senders of A: both carry traffic. Real
 * matrix-js-sdk clients, each through its own server's front door, join rooms
 * both ways; the rooms land on both persisters of each cluster; every message
 * reaches every server exactly once and in its sender's order. Then, with
 * B's federation-inbound hung (SIGSTOP) so that A's messages for B wait in
 * A's outbox behind a transaction in flight, the sender of A that owns B is
 * killed (SIGKILL): by design no other sender takes its destinations over
 * (each owns its share, so no destination ever has two transactions in
 * flight), the other sender goes on serving C, and once the killed one is
 * started again it resumes from its durable outbox and stored position:
 * nothing is lost or doubled.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import YAML from 'yaml';
import { Direction, type MatrixClient } from 'matrix-js-sdk';
import { eventPersisterFor, rendezvousOwner } from '@lattice/worker-runtime';
import { createTestCa, type TestCa } from '../../packages/federation/test/support/test-ca.js';
import { FederatingHomeservers, type FederatingServer } from '../support/federating-homeservers.js';
import { registeredSyncingClient } from '../support/registered-client.js';
import { eventually, eventuallyAsync } from '../support/wait.js';
import { startCluster, type RunningCluster } from './support/cluster-process.js';

// Generous: the machine is shared, and a federated hop crosses a handful of processes on each side.
const BOUND_MS = 120_000;
const PERSISTERS = ['event-persister-1', 'event-persister-2'];
const A_SENDERS = ['federation-sender-1', 'federation-sender-2'];

let workdir: string;
let ca: TestCa;
let fleet: FederatingHomeservers;
let a: RunningCluster | undefined;
let b: RunningCluster | undefined;
let c: FederatingServer;
let alice: MatrixClient; // on A
let bob: MatrixClient; // on B
let carol: MatrixClient; // on C

/** The sender of A that owns a destination. */
const senderOf = (destination: string): string => rendezvousOwner(destination, A_SENDERS);

beforeAll(async () => {
  workdir = await mkdtemp(path.join(os.tmpdir(), 'lattice-cluster-to-cluster-'));
  ca = createTestCa();
  fleet = new FederatingHomeservers(workdir, ca);
  const extraConfig = { trusted_key_servers: [], federation_custom_ca_list: [ca.caPath], ip_range_whitelist: ['127.0.0.1/32'] };
  const tls = () => {
    const { certPath, keyPath } = ca.issue(['127.0.0.1']);
    return { certPath, keyPath };
  };
  // PostgreSQL allows 100 connections, and the suite may run another cluster (10 processes × 4) beside this
  // test: A's 10 processes and B's 9 take 2 each, C 2 (40 in all).
  const dbPool = 2;
  const startingA = startCluster({ tls: tls(), persisters: 2, federationSenders: 2, dbPool, extraConfig }).then((cluster) => (a = cluster));
  const startingB = fleet.start('c', { dbPool }).then((server) => {
    c = server;
    const acceptServerName = (name: string) => senderOf(name) !== senderOf(server.name);
    return startCluster({ tls: tls(), persisters: 2, dbPool, extraConfig, acceptServerName }).then((cluster) => (b = cluster));
  });
  // Both settle before anything throws: afterAll stops whatever did start.
  const started = await Promise.allSettled([startingA, startingB]);
  for (const s of started) if (s.status === 'rejected') throw s.reason;
  [alice, bob, carol] = await Promise.all([
    registeredSyncingClient(a!.state.url, 'alice'),
    registeredSyncingClient(b!.state.url, 'bob'),
    registeredSyncingClient(c.hs.url, 'carol'),
  ]);
}, 420_000);

afterAll(async () => {
  for (const client of [alice, bob, carol]) client?.stopClient();
  await Promise.allSettled([a?.stop(), b?.stop()]);
  await fleet?.stopAll();
  ca?.remove();
  if (workdir) await rm(workdir, { recursive: true, force: true });
}, 120_000);

async function metricsOf(cluster: RunningCluster, name: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${cluster.processOf(name).metricsPort}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

/** A sample's value from Prometheus text: the line of `metric` whose labels include `labels`. */
function sample(text: string, metric: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (m?.[1] !== metric) continue;
    if (Object.entries(labels).every(([k, v]) => m[2]!.split(',').includes(`${k}="${v}"`))) return Number(m[3]);
  }
  return undefined;
}

async function pdusSentBy(cluster: RunningCluster, name: string): Promise<number> {
  return sample(await metricsOf(cluster, name), 'lattice_federation_sent_total', { kind: 'pdu' }) ?? 0;
}

/**
 * Waits for the sender's count of delivered PDUs to pass `floor`: it counts once the destination's answer
 * is back, which can be after the destination's clients already have the events.
 */
async function expectPdusSentAbove(cluster: RunningCluster, name: string, floor: number): Promise<void> {
  await eventuallyAsync(`${name} of ${cluster.state.serverName} counts more than ${floor} PDUs sent`, async () => (await pdusSentBy(cluster, name)) > floor, BOUND_MS);
}

async function query<T extends pg.QueryResultRow>(cluster: RunningCluster, sql: string, params: unknown[]): Promise<T[]> {
  const db = new pg.Client({ connectionString: cluster.state.database });
  await db.connect();
  try {
    return (await db.query<T>(sql, params)).rows;
  } finally {
    await db.end();
  }
}

interface Message {
  sender: string;
  body: string;
  eventId: string;
}

/** The room's messages as the client's server has them, oldest first (/messages, paginated backwards). */
async function history(client: MatrixClient, roomId: string): Promise<Message[]> {
  const out: Message[] = [];
  let from: string | null = null;
  for (;;) {
    const page = await client.createMessagesRequest(roomId, from, 100, Direction.Backward);
    for (const e of page.chunk) {
      if (e.type === 'm.room.message') out.push({ sender: e.sender!, body: e.content.body as string, eventId: e.event_id! });
    }
    if (!page.end || page.chunk.length === 0) return out.reverse();
    from = page.end;
  }
}

/** Every user's messages, on the client's server: each exactly once, in the order it sent them. */
async function expectExactlyOnceInOrder(client: MatrixClient, roomId: string, sent: Map<string, string[]>): Promise<void> {
  const messages = await history(client, roomId);
  expect(new Set(messages.map((m) => m.eventId)).size).toBe(messages.length);
  for (const [sender, bodies] of sent) {
    expect({ on: client.getUserId(), roomId, sender, bodies: messages.filter((m) => m.sender === sender).map((m) => m.body) }).toEqual({
      on: client.getUserId(),
      roomId,
      sender,
      bodies,
    });
  }
}

function sees(client: MatrixClient, roomId: string, eventId: string): boolean {
  return client.getRoom(roomId)?.findEventById(eventId) !== undefined;
}

function joined(client: MatrixClient, roomId: string, userId: string): boolean {
  return client.getRoom(roomId)?.getMember(userId)?.membership === 'join';
}

/** Public rooms created by `client` until each persister owns `perPersister` of them (room ids are random). */
async function roomsOnBothPersisters(client: MatrixClient, label: string, perPersister: number): Promise<string[]> {
  const owned = new Map<string, string[]>(PERSISTERS.map((p) => [p, []]));
  for (let i = 0; [...owned.values()].some((rooms) => rooms.length < perPersister); i++) {
    if (i >= 30) throw new Error(`30 rooms and still not ${perPersister} on each persister`);
    const { room_id: roomId } = await client.createRoom({ name: `${label} ${i}`, preset: 'public_chat' as never });
    const rooms = owned.get(eventPersisterFor(roomId, PERSISTERS))!;
    if (rooms.length < perPersister) rooms.push(roomId);
  }
  return PERSISTERS.flatMap((p) => owned.get(p)!);
}

async function join(client: MatrixClient, roomId: string, via: string, creator: MatrixClient): Promise<void> {
  await client.joinRoom(roomId, { viaServers: [via] });
  await eventually(`${creator.getUserId()} sees ${client.getUserId()} join ${roomId}`, () => joined(creator, roomId, client.getUserId()!), BOUND_MS);
}

/** Each room's members, and what each sent there (in order). */
const rooms = new Map<string, { members: MatrixClient[]; sent: Map<string, string[]> }>();

async function send(client: MatrixClient, roomId: string, body: string): Promise<string> {
  const { event_id: eventId } = await client.sendTextMessage(roomId, body);
  const sent = rooms.get(roomId)!.sent;
  sent.set(client.getUserId()!, [...(sent.get(client.getUserId()!) ?? []), body]);
  return eventId;
}

let aRooms: string[];
let bRooms: string[];

test("A runs two federation senders, both ready, and B and C belong to different ones", async () => {
  const config = YAML.parse(readFileSync(a!.state.configPath, 'utf8')) as { federation_sender_instances: string[] };
  expect(config.federation_sender_instances).toEqual(A_SENDERS);
  expect(a!.state.processes.filter((p) => p.role === 'federation-sender').map((p) => p.name)).toEqual(A_SENDERS);
  for (const name of A_SENDERS) {
    expect((await fetch(`http://127.0.0.1:${a!.processOf(name).metricsPort}/ready`)).status).toBe(200);
    expect(sample(await metricsOf(a!, name), 'lattice_federation_transactions_total', { result: 'sent' })).toBe(0);
  }
  expect(b!.state.processes.filter((p) => p.role === 'federation-sender').map((p) => p.name)).toEqual(['federation-sender']);
  expect(new Set([senderOf(b!.state.serverName), senderOf(c.name)])).toEqual(new Set(A_SENDERS));
});

test('users join rooms of the other cluster and of C; the rooms of each cluster lie on both its persisters', async () => {
  aRooms = await roomsOnBothPersisters(alice, 'A room', 2);
  bRooms = await roomsOnBothPersisters(bob, 'B room', 1);
  for (const roomId of aRooms) {
    await join(bob, roomId, a!.state.serverName, alice);
    rooms.set(roomId, { members: [alice, bob], sent: new Map() });
  }
  for (const roomId of bRooms) {
    await join(alice, roomId, b!.state.serverName, bob);
    rooms.set(roomId, { members: [bob, alice], sent: new Map() });
  }
  // Carol (C) in a room of each persister of A, and in one of B.
  for (const roomId of [aRooms[0]!, aRooms[2]!, bRooms[0]!]) {
    await join(carol, roomId, roomId === bRooms[0] ? b!.state.serverName : a!.state.serverName, roomId === bRooms[0] ? bob : alice);
    rooms.get(roomId)!.members.push(carol);
  }
  // Everyone sees everyone else joined, on their own server.
  for (const [roomId, { members }] of rooms) {
    for (const viewer of members) {
      for (const member of members) {
        await eventually(`${viewer.getUserId()} sees ${member.getUserId()} in ${roomId}`, () => joined(viewer, roomId, member.getUserId()!), BOUND_MS);
      }
    }
  }
}, 20 * BOUND_MS);

test('messages both ways in every room reach every server exactly once and in order; both persisters of each cluster wrote them', async () => {
  const last = new Map<string, Map<string, string>>(); // room → sender → its last event id
  await Promise.all(
    [...rooms].map(async ([roomId, { members }]) => {
      const latest = new Map<string, string>();
      last.set(roomId, latest);
      for (let round = 0; round < 3; round++) {
        for (const member of members) latest.set(member.getUserId()!, await send(member, roomId, `round ${round} from ${member.getUserId()}`));
      }
    }),
  );
  for (const [roomId, { members, sent }] of rooms) {
    for (const viewer of members) {
      for (const eventId of last.get(roomId)!.values()) {
        await eventually(`${viewer.getUserId()} receives ${eventId} in ${roomId}`, () => sees(viewer, roomId, eventId), BOUND_MS);
      }
      await expectExactlyOnceInOrder(viewer, roomId, sent);
    }
  }

  // Each cluster's persister that owns a room wrote all its messages (its own users' and the other servers'), and both wrote some.
  for (const cluster of [a!, b!]) {
    const writers = await query<{ room_id: string; instance_name: string }>(
      cluster,
      `SELECT DISTINCT room_id, instance_name FROM events WHERE type = 'm.room.message' AND room_id = ANY($1)`,
      [[...rooms.keys()]],
    );
    expect(writers).toHaveLength(rooms.size);
    for (const row of writers) expect(row.instance_name).toBe(eventPersisterFor(row.room_id, PERSISTERS));
    expect(new Set(writers.map((w) => w.instance_name))).toEqual(new Set(PERSISTERS));
  }

  // Both senders of A carried its users' events (one to B, the other to C); B's single sender too.
  for (const name of A_SENDERS) await expectPdusSentAbove(a!, name, 0);
  await expectPdusSentAbove(b!, 'federation-sender', 0);
}, 20 * BOUND_MS);

test('SIGKILL of the sender that owns B with messages queued and in flight: C is still served, and once it is back B gets everything, once, in order', async () => {
  const roomId = aRooms[0]!; // alice (A), bob (B) and carol (C)
  const toB = senderOf(b!.state.serverName);
  const toC = senderOf(c.name);
  // Messages queued for B: B's federation-inbound hangs (SIGSTOP), so A's transaction to B stays in flight
  // and the rest waits in A's outbox; the sender is killed with them there.
  b!.pause('federation-inbound');
  for (let i = 0; i < 5; i++) await send(alice, roomId, `before the kill ${i}`);
  const queued = await eventuallyAsync(
    "alice's 5 messages in A's outbox for B",
    async () => {
      const [row] = await query<{ n: string }>(a!, "SELECT count(*) AS n FROM federation_outbox WHERE destination = $1 AND kind = 'pdu'", [
        b!.state.serverName,
      ]);
      return Number(row!.n) >= 5 && Number(row!.n);
    },
    BOUND_MS,
  );
  a!.kill(toB);
  b!.resume('federation-inbound');

  const cBefore = await pdusSentBy(a!, toC);
  const whileDown: string[] = [];
  for (let i = 0; i < 5; i++) whileDown.push(await send(alice, roomId, `while ${toB} is down ${i}`));
  const fromBob = await send(bob, roomId, `bob while ${toB} is down`);
  for (const eventId of [...whileDown, fromBob]) {
    await eventually(`carol receives ${eventId}`, () => sees(carol, roomId, eventId), BOUND_MS);
  }
  await eventually('alice receives bob', () => sees(alice, roomId, fromBob), BOUND_MS);
  await expectPdusSentAbove(a!, toC, cBefore);
  // Carol has them, so they were past A's catch-up: only the dead sender sends to B, and it has not.
  for (const eventId of whileDown) expect(sees(bob, roomId, eventId)).toBe(false);

  await a!.restart(toB);
  // The newest; the others are checked in B's history below (a limited sync may leave them out of the live timeline).
  await eventually('bob receives the last message sent while the sender was down', () => sees(bob, roomId, whileDown.at(-1)!), BOUND_MS);
  await expectPdusSentAbove(a!, toB, 0);
  const after = await send(alice, roomId, 'after the restart');
  await eventually('bob receives the message sent after the restart', () => sees(bob, roomId, after), BOUND_MS);
  await eventually('carol receives the message sent after the restart', () => sees(carol, roomId, after), BOUND_MS);
  for (const viewer of [alice, bob, carol]) await expectExactlyOnceInOrder(viewer, roomId, rooms.get(roomId)!.sent);

  // For the record: what was queued for B at the kill, and what each sender of A sent (toB: since its restart).
  const senders = await Promise.all(
    A_SENDERS.map(async (name) => {
      const text = await metricsOf(a!, name);
      const pdus = sample(text, 'lattice_federation_sent_total', { kind: 'pdu' });
      return `${name}${name === toB ? ' (to B, restarted)' : ' (to C)'}: ${pdus} PDUs, ${sample(text, 'process_cpu_seconds_total', {})} s CPU`;
    }),
  );
  console.log(`PDUs queued for B when ${toB} was killed: ${queued}; ${senders.join('; ')}`);
}, 10 * BOUND_MS);
