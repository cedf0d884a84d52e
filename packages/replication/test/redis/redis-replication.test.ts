import { randomUUID } from 'node:crypto';
import { createTestDatabase, type Database, type ScriptRunner } from '@lattice/storage';
import {
  DURABLE_STREAMS,
  EventsRowSource,
  RedisTransport,
  RedisUserWritePositions,
  createReplicationHub,
  waitForUserWrites,
  type DurableStreamName,
  type EventStreamRow,
  type ReplicationHub,
  type StreamUpdate,
} from '@lattice/replication';
import { Redis } from 'ioredis';
import { deferred, memoryLogger } from '../helpers.js';

const ALICE = '@alice:test';
const WAIT_MS = 30_000;

/** A transport whose next `drops` messages never reach Redis (they still reach this process). */
class DroppingTransport extends RedisTransport {
  drops = 0;
  protected override send(message: string): void {
    if (this.drops > 0) this.drops--;
    else super.send(message);
  }
}

/** Writes one event row (as the persister would) at the writer's position and returns its stream row. */
async function insertEvent(
  tx: ScriptRunner,
  instance: string,
  position: number,
  event: Partial<EventStreamRow> & { room_id: string },
  flags: { rejected?: boolean; content?: Record<string, unknown> } = {},
): Promise<EventStreamRow> {
  const row: EventStreamRow = {
    event_id: `$${randomUUID()}`,
    type: 'm.room.message',
    state_key: null,
    sender: ALICE,
    membership: null,
    ...event,
  };
  await tx.query(
    `INSERT INTO events (event_id, room_id, stream_ordering, topological_ordering, type, state_key, sender,
                         origin_server_ts, received_ts, json, rejected_reason, instance_name)
     VALUES ($1, $2, $3, 1, $4, $5, $6, 0, 0, $7, $8, $9)`,
    [
      row.event_id,
      row.room_id,
      position,
      row.type,
      row.state_key,
      row.sender,
      JSON.stringify({ type: row.type, content: flags.content ?? {} }),
      flags.rejected ? 'auth' : null,
      instance,
    ],
  );
  return row;
}

describe('replication over Redis (PostgreSQL)', () => {
  let db: Database;
  let closers: (() => Promise<void>)[];
  let namespace: string;

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
  });

  afterAll(async () => {
    await db.close();
  });

  beforeEach(() => {
    closers = [];
    namespace = `lattice-test-${randomUUID()}`;
  });

  afterEach(async () => {
    for (const close of closers.reverse()) await close();
  });

  function transport(ns = namespace, Kind: typeof RedisTransport = RedisTransport): RedisTransport {
    const t = new Kind({ namespace: ns, logger: memoryLogger().logger });
    closers.push(() => t.close());
    return t;
  }

  /** Two workers on one database and one Redis: A writes every stream, B only reads (A is each stream's writer). */
  async function twoWorkers(transportA = transport()) {
    const nameA = `a-${randomUUID()}`;
    const streamWriters = Object.fromEntries(DURABLE_STREAMS.map((s) => [s, [nameA]])) as Record<DurableStreamName, string[]>;
    const a = await hub(nameA, transportA, { streamWriters });
    const b = await hub(`b-${randomUUID()}`, transport(), { streamWriters, writes: [] });
    return { a, b, nameA, transportA };
  }

  async function hub(
    instanceName: string,
    t: RedisTransport,
    extra: { streamWriters: Record<DurableStreamName, string[]>; writes?: DurableStreamName[] },
  ): Promise<ReplicationHub> {
    const h = await createReplicationHub({
      db,
      transport: t,
      instanceName,
      logger: memoryLogger().logger,
      flushDelayMs: 1,
      rowSources: { events: new EventsRowSource(db) },
      writesTyping: false,
      ...extra,
    });
    closers.push(() => h.close());
    return h;
  }

  /** The event rows a hub's update handlers see (what its caches would invalidate), by event id. */
  function seenRows(h: ReplicationHub): Map<string, EventStreamRow> {
    const rows = new Map<string, EventStreamRow>();
    h.onUpdate('events', (u) => u.rows.forEach((r) => rows.set(r.event_id, r)));
    return rows;
  }

  test('a write on worker A wakes a long-poll on worker B', async () => {
    const { a, b, nameA } = await twoWorkers();
    const room = `!${randomUUID()}:test`;
    const waiting = b.notifier.wait({ userId: ALICE, roomIds: new Set([room]), since: b.currentToken(), timeoutMs: WAIT_MS });
    const position = await a.writer('events').write(db, async (tx, p) => [await insertEvent(tx, nameA, p, { room_id: room })]);
    await expect(waiting).resolves.toBe('changed');
    await expect(b.waitForPositions({ events: position }, WAIT_MS)).resolves.toBe(true);
  });

  test('an update lost on the way is recovered from PostgreSQL when the next one jumps', async () => {
    const { a, b, nameA, transportA } = await twoWorkers(transport(namespace, DroppingTransport));
    const seen = seenRows(b);
    const lostRoom = `!${randomUUID()}:test`;
    const since = b.currentToken();
    const roomWait = b.notifier.wait({ userId: ALICE, roomIds: new Set([lostRoom]), since, timeoutMs: WAIT_MS });
    const inviteeWait = b.notifier.wait({ userId: '@bob:test', roomIds: new Set(), since, timeoutMs: WAIT_MS });
    (transportA as DroppingTransport).drops = 1;
    const invite = { room_id: lostRoom, type: 'm.room.member', state_key: '@bob:test' };
    let lost!: EventStreamRow;
    await a.writer('events').write(db, async (tx, p) => [
      (lost = await insertEvent(tx, nameA, p, invite, { content: { membership: 'invite' } })),
    ]);
    const rejected = await a.writer('events').write(db, async (tx, p) => [
      await insertEvent(tx, nameA, p, { room_id: `!${randomUUID()}:test` }, { rejected: true }),
    ]);
    await expect(b.waitForPositions({ events: rejected }, WAIT_MS)).resolves.toBe(true);
    await expect(roomWait).resolves.toBe('changed');
    await expect(inviteeWait).resolves.toBe('changed');
    // Read back with the shape the writer announced: membership from the JSON (no room_memberships row).
    expect(seen.get(lost.event_id)).toEqual({ ...lost, membership: 'invite' });
    expect(seen.size).toBe(2);
  });

  test('rows read back are shaped as announced: hidden when rejected, membership from room_memberships', async () => {
    const { a, nameA } = await twoWorkers();
    const room = `!${randomUUID()}:test`;
    const from = a.positions.writerPosition('events', nameA);
    const written = await db.transaction(async (tx) => {
      const [p1, p2] = await a.writer('events').allocate(tx, 2);
      const join = await insertEvent(tx, nameA, p1!, { room_id: room, type: 'm.room.member', state_key: ALICE });
      await tx.query(
        `INSERT INTO room_memberships (event_id, user_id, sender, room_id, membership, stream_ordering)
         VALUES ($1, $2, $2, $3, 'join', $4)`,
        [join.event_id, ALICE, room, p1],
      );
      const bad = await insertEvent(tx, nameA, p2!, { room_id: room }, { rejected: true });
      return { p1: p1!, p2: p2!, join, bad };
    });
    a.writer('events').committed([written.p1, written.p2]);
    const rows = await new EventsRowSource(db).rowsBetween('events', nameA, from, written.p2);
    expect(rows).toEqual([
      { position: written.p1, row: { ...written.join, membership: 'join' } },
      { position: written.p2, row: { ...written.bad, hidden: true } },
    ]);
    expect(await new EventsRowSource(db).rowsBetween('events', nameA, written.p1, written.p1)).toEqual([]);
  });

  test('after a subscriber outage B catches up from PostgreSQL: no row is lost, even with A idle', async () => {
    const { a, b, nameA } = await twoWorkers();
    const seen = seenRows(b);
    const connection = b.transport as RedisTransport;
    const reconnected = deferred();
    connection.onConnected(() => reconnected.resolve());
    connection.subscriberConnection.disconnect();
    const written: string[] = [];
    let last = 0;
    for (let i = 0; i < 3; i++) {
      last = await a.writer('events').write(db, async (tx, p) => {
        const row = await insertEvent(tx, nameA, p, { room_id: `!${randomUUID()}:test` });
        written.push(row.event_id);
        return [row];
      });
    }
    await a.writer('events').flush(); // stream_positions holds A's position: all B can learn with A idle
    await connection.subscriberConnection.connect();
    await reconnected.promise;
    await expect(b.waitForPositions({ events: last }, WAIT_MS)).resolves.toBe(true);
    expect([...seen.keys()].sort()).toEqual([...written].sort());
  });

  test('read-your-writes positions recorded on A are seen by B, only ever raised, with a TTL', async () => {
    const { a, b } = await twoWorkers();
    const [redisA, redisB] = [new Redis(), new Redis()];
    closers.push(async () => void (await Promise.all([redisA.quit(), redisB.quit()])));
    const writesA = new RedisUserWritePositions({ redis: redisA, prefix: namespace });
    const writesB = new RedisUserWritePositions({ redis: redisB, prefix: namespace, ttlMs: 60_000 });
    const position = await a.writer('account_data').write(db, async () => [{ user_id: ALICE }]);
    await writesA.record(ALICE, { account_data: position, events: 3 });
    await writesA.record(ALICE, { account_data: position - 1, events: 7 });
    await writesB.record(ALICE, { events: 2 });
    expect(await writesB.get(ALICE)).toEqual({ account_data: position, events: 7 });
    expect(await writesB.get('@nobody:test')).toEqual({});
    expect(await redisB.pttl(`${namespace}:writes:${ALICE}`)).toBeGreaterThan(0);
    await writesA.record('@bob:test', { account_data: position });
    await expect(waitForUserWrites(b, writesB, '@bob:test', WAIT_MS)).resolves.toBe(true);
    await writesA.record('@carol:test', { account_data: position + 1000 });
    await expect(waitForUserWrites(b, writesB, '@carol:test', 20)).resolves.toBe(false);
  });

  test("the read-your-writes records of one turn reach Redis as one call, merged per user, each settling", async () => {
    const redis = new Redis();
    const observer = new Redis();
    closers.push(async () => [redis, observer].forEach((r) => r.disconnect()));
    const writes = new RedisUserWritePositions({ redis, prefix: namespace });
    await writes.record(ALICE, { events: 1 }); // loads the script
    const commands: string[] = [];
    await observer.monitor().then((monitor) => {
      monitor.on('monitor', (_time: string, args: string[]) => {
        if (args.some((a) => a.startsWith(`${namespace}:writes:`))) commands.push(args[0]!.toLowerCase());
      });
      closers.push(async () => void monitor.disconnect());
    });
    const records = [
      writes.record(ALICE, { events: 5, account_data: 2 }),
      writes.record('@bob:test', { events: 6 }),
      writes.record(ALICE, { events: 4, receipts: 9 }),
      writes.record('@carol:test', {}),
    ];
    await expect(Promise.all(records)).resolves.toEqual([undefined, undefined, undefined, undefined]);
    expect(await writes.get(ALICE)).toEqual({ events: 5, account_data: 2, receipts: 9 });
    expect(await writes.get('@bob:test')).toEqual({ events: 6 });
    expect(await writes.get('@carol:test')).toEqual({});
    // The script's own HGET/HSET calls show in MONITOR too: one EVALSHA carried every record of the turn.
    expect(commands.filter((c) => c === 'evalsha')).toHaveLength(1);
    // A failed call fails every record it carried (here: Redis refuses a script run on a closed connection).
    await redis.quit();
    await expect(Promise.all([writes.record(ALICE, { events: 50 }), writes.record('@bob:test', { events: 60 })])).rejects.toThrow();
  });

  test("a record made before a publish of the same turn, on the publisher's connection, is stored before any peer hears of the publication", async () => {
    const [sender, peer] = [transport(), transport()];
    await Promise.all([sender, peer].map(connected));
    const reads = new Redis();
    const observer = new Redis();
    closers.push(async () => [reads, observer].forEach((r) => r.disconnect()));
    const writes = new RedisUserWritePositions({ redis: reads, recordsVia: sender.publisherConnection, prefix: namespace });
    await writes.record(ALICE, { events: 1 }); // loads the script
    const order: Array<{ command: string; client: string }> = [];
    await observer.monitor().then((monitor) => {
      monitor.on('monitor', (_time: string, args: string[], client: string) => {
        const command = args[0]!.toLowerCase();
        if (command === 'evalsha' || (command === 'publish' && args[1] === sender.channel)) order.push({ command, client });
      });
      closers.push(async () => void monitor.disconnect());
    });
    const seenAtPeer = deferred<Record<string, number>>();
    peer.subscribe((u) => {
      if (u.position === 2) void writes.get(ALICE).then((positions) => seenAtPeer.resolve(positions as Record<string, number>));
    });
    // The turn's message is already due when the record is made (a group commit announcing several rooms):
    // the record must still reach Redis first.
    sender.publish({ stream: 'caches', instance: 'x', position: 1, rows: [] });
    const recorded = writes.record(ALICE, { events: 2 });
    sender.publish({ stream: 'caches', instance: 'x', position: 2, rows: [] });
    expect(await seenAtPeer.promise).toEqual({ events: 2 });
    await recorded;
    expect(order.map((o) => o.command)).toEqual(['evalsha', 'publish']);
    expect(order[0]!.client).toBe(order[1]!.client);
  });

  test("one turn's updates cross as one message, in publish order, and still one by one to this process", async () => {
    const [sender, peer] = [transport(), transport()];
    await Promise.all([sender, peer].map(connected));
    const messages: string[] = [];
    peer.subscriberConnection.on('message', (_channel: string, message: string) => messages.push(message));
    const atPeer: StreamUpdate[] = [];
    const atSender: StreamUpdate[] = [];
    const [third, fourth] = [deferred(), deferred()];
    peer.subscribe((u) => {
      atPeer.push(u);
      if (u.position === 3) third.resolve();
      if (u.position === 4) fourth.resolve();
    });
    sender.subscribe((u) => atSender.push(u));
    for (const position of [1, 2, 3]) sender.publish({ stream: 'caches', instance: 'x', position, rows: [{ cache: 'c', keys: [String(position)] }] });
    // This process's own subscribers are not made to wait for the end of the turn.
    expect(atSender.map((u) => u.position)).toEqual([1, 2, 3]);
    await third.promise;
    expect(atPeer.map((u) => [u.position, u.seq])).toEqual([[1, 1], [2, 2], [3, 3]]);
    expect(atPeer[2]!.rows).toEqual([{ cache: 'c', keys: ['3'] }]);
    expect(messages).toHaveLength(1);
    // The next turn's update is a message of its own.
    sender.publish({ stream: 'caches', instance: 'x', position: 4, rows: [] });
    await fourth.promise;
    expect(messages).toHaveLength(2);
  });

  test("a peer is told each message's delay from its publish; a process is not told of its own", async () => {
    const delays: Array<[string, number]> = [];
    const observing = (who: string) => {
      const t = new RedisTransport({ namespace, logger: memoryLogger().logger, onDelay: (s) => void delays.push([who, s]) });
      closers.push(() => t.close());
      return t;
    };
    const [sender, peer] = [observing('sender'), observing('peer')];
    await Promise.all([sender, peer].map(connected));
    const got = deferred<StreamUpdate>();
    peer.subscribe((u) => got.resolve(u));
    const before = performance.timeOrigin + performance.now();
    sender.publish({ stream: 'caches', instance: 'x', position: 1, rows: [] });
    await got.promise;
    const after = performance.timeOrigin + performance.now();
    // A reply reaches the sender after its own echo (one channel, in order): by then an echo would have been reported.
    const reply = deferred<StreamUpdate>();
    sender.subscribe((u) => u.instance === 'y' && reply.resolve(u));
    peer.publish({ stream: 'caches', instance: 'y', position: 1, rows: [] });
    await reply.promise;
    expect(delays.map(([who]) => who)).toEqual(['peer', 'sender']);
    const [, seconds] = delays[0]!;
    expect(seconds).toBeGreaterThanOrEqual(0);
    expect(seconds * 1000).toBeLessThanOrEqual(after - before);
  });

  test('an update published just before close still goes out', async () => {
    const [sender, peer] = [transport(), transport()];
    await Promise.all([sender, peer].map(connected));
    const got = deferred<StreamUpdate>();
    peer.subscribe((u) => got.resolve(u));
    sender.publish({ stream: 'caches', instance: 'x', position: 7, rows: [] });
    await sender.close();
    await expect(got.promise).resolves.toMatchObject({ instance: 'x', position: 7 });
  });

  test('namespaces isolate servers sharing one Redis', async () => {
    const other = `lattice-test-${randomUUID()}`;
    const [sender, peer, stranger, strangerPeer] = [transport(), transport(), transport(other), transport(other)];
    const received = (t: RedisTransport, instance: string) => {
      const got = deferred<StreamUpdate>();
      const all: StreamUpdate[] = [];
      t.subscribe((u) => {
        all.push(u);
        if (u.instance === instance) got.resolve(u);
      });
      return { got: got.promise, all };
    };
    await Promise.all([sender, peer, stranger, strangerPeer].map(connected));
    const atPeer = received(peer, 'x');
    const atStranger = received(stranger, 'y');
    sender.publish({ stream: 'caches', instance: 'x', position: 1, rows: [] });
    await expect(atPeer.got).resolves.toMatchObject({ instance: 'x', seq: 1 });
    // Redis has handled the first publish; one on the other namespace now arrives after it, if it leaked.
    strangerPeer.publish({ stream: 'caches', instance: 'y', position: 1, rows: [] });
    await atStranger.got;
    expect(atStranger.all.map((u) => u.instance)).toEqual(['y']);
    expect(atPeer.all.map((u) => u.instance)).toEqual(['x']);
  });
});

/** Resolves once the transport's subscription is live. */
function connected(t: RedisTransport): Promise<void> {
  const ready = deferred();
  t.onConnected(() => ready.resolve());
  if (t.subscriberConnection.status === 'ready') {
    // Already subscribed or about to be: a ping on the subscriber connection answers after SUBSCRIBE.
    void t.subscriberConnection.ping().then(() => ready.resolve());
  }
  return ready.promise;
}
