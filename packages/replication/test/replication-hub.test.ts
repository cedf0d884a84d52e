import { createTestDatabase, streamWriterPositions, type Database } from '@lattice/storage';
import {
  InProcessTransport,
  InProcessUserWritePositions,
  SyncToken,
  createReplicationHub,
  waitForUserWrites,
  type EventStreamRow,
  type ReplicationHub,
  type WaitOutcome,
} from '@lattice/replication';
import { deferred, memoryLogger, settle } from './helpers.js';

const ROOM = '!room:test';
const ALICE = '@alice:test';

function row(roomId = ROOM): EventStreamRow {
  return { event_id: `$${Math.random()}`, room_id: roomId, type: 'm.room.message', state_key: null, sender: ALICE, membership: null };
}

describe.each(['pglite', 'postgres'] as const)('ReplicationHub on %s', (kind) => {
  let db: Database;
  let hubs: ReplicationHub[];

  beforeAll(async () => {
    db = await createTestDatabase(kind);
  });

  afterAll(async () => {
    await db.close();
  });

  beforeEach(() => {
    hubs = [];
  });

  afterEach(async () => {
    await Promise.all(hubs.map((h) => h.close()));
  });

  let instances = 0;
  async function newHub(
    options: {
      transport?: InProcessTransport;
      instanceName?: string;
      writes?: ['events'];
      streamWriters?: { events: string[] };
    } = {},
  ): Promise<ReplicationHub> {
    const hub = await createReplicationHub({
      db,
      transport: options.transport ?? new InProcessTransport(),
      instanceName: options.instanceName ?? `${kind}-main${++instances}`,
      logger: memoryLogger().logger,
      writes: options.writes,
      streamWriters: options.streamWriters,
      flushDelayMs: 1,
    });
    hubs.push(hub);
    return hub;
  }

  test('a write wakes the long-poll of its room and moves the sync token', async () => {
    const hub = await newHub();
    const since = hub.currentToken();
    const waiting = hub.notifier.wait({ userId: ALICE, roomIds: new Set([ROOM]), since, timeoutMs: 60_000 });
    const position = await hub.writer('events').write(db, async () => [row()]);
    await expect(waiting).resolves.toBe('changed');
    expect(hub.positions.current('events')).toBe(position);
    expect(hub.currentToken().get('events').min).toBe(position);
    expect(SyncToken.parse(hub.currentToken().toString()).isAtLeast(since)).toBe(true);
  });

  test('invalidators run before the position advances; a throwing one is isolated', async () => {
    const hub = await newHub();
    const seen: [number, number][] = [];
    hub.onUpdate('events', () => {
      throw new Error('broken cache');
    });
    hub.onUpdate('events', (update) => seen.push([update.position, hub.positions.current('events')]));
    const position = await hub.writer('events').write(db, async () => [row()]);
    expect(seen).toEqual([[position, position - 1]]);
  });

  test('no lost wake-up through the hub: a write between the read of the token and wait() is seen', async () => {
    const hub = await newHub();
    const since = hub.currentToken(); // the sync reads up to here…
    await hub.writer('events').write(db, async () => [row()]); // …a message lands…
    const outcome = await hub.notifier.wait({ userId: ALICE, roomIds: new Set([ROOM]), since, timeoutMs: 60_000 });
    expect(outcome).toBe('changed'); // …and the wait does not sleep through it.
    // Whereas a sync that is up to date sleeps.
    await expect(
      hub.notifier.wait({ userId: ALICE, roomIds: new Set([ROOM]), since: hub.currentToken(), timeoutMs: 30 }),
    ).resolves.toBe('timeout');
  });

  test('rows committed ahead of an earlier position wake nobody until that position commits', async () => {
    const hub = await newHub();
    const writer = hub.writer('events');
    const since = hub.currentToken();
    const six = await db.transaction((tx) => writer.allocate(tx));
    const seven = await db.transaction((tx) => writer.allocate(tx));
    let outcome: WaitOutcome | undefined;
    void hub.notifier
      .wait({ userId: ALICE, roomIds: new Set([ROOM]), since, timeoutMs: 60_000 })
      .then((o) => (outcome = o));
    writer.publish(seven, [row()]);
    await settle();
    expect(outcome).toBeUndefined();
    expect(hub.positions.current('events')).toBe(six - 1);
    writer.aborted(six);
    await settle();
    expect(outcome).toBe('changed');
    expect(hub.positions.current('events')).toBe(seven);
  });

  test('waitForToken waits (bounded) for a token ahead of this worker', async () => {
    const hub = await newHub();
    await expect(hub.waitForToken(hub.currentToken(), 0)).resolves.toBe(true);
    const target = SyncToken.parse(`s${hub.positions.current('events') + 2}`);
    await expect(hub.waitForToken(target, 20)).resolves.toBe(false);
    const caughtUp = hub.waitForToken(target, 60_000);
    await hub.writer('events').write(db, async () => []);
    await hub.writer('events').write(db, async () => []);
    await expect(caughtUp).resolves.toBe(true);
  });

  test('read-your-writes: a reader waits for the positions recorded by the writer', async () => {
    const transport = new InProcessTransport();
    const writerHub = await newHub({ transport });
    // A worker that will not see the write (another transport; it read the DB before the write).
    const lagging = await newHub({ transport: new InProcessTransport(), writes: ['events'] });
    const writes = new InProcessUserWritePositions();
    const position = await writerHub.writer('account_data').write(db, async () => [{ user_id: ALICE }]);
    await writes.record(ALICE, { account_data: position });
    await writes.record(ALICE, { account_data: position - 1 }); // never backwards
    expect(await writes.get(ALICE)).toEqual({ account_data: position });
    await expect(waitForUserWrites(lagging, writes, ALICE, 20)).resolves.toBe(false);
    await expect(waitForUserWrites(writerHub, writes, ALICE, 20)).resolves.toBe(true);
    await expect(waitForUserWrites(writerHub, writes, '@nobody:test', 20)).resolves.toBe(true);
  });

  test('two writers of the events stream: an idle one follows, so the safe position is not held back', async () => {
    const transport = new InProcessTransport();
    const names = [`${kind}-p1-${++instances}`, `${kind}-p2-${instances}`];
    const streamWriters = { events: names };
    const p1 = await newHub({ transport, instanceName: names[0], writes: ['events'], streamWriters });
    const p2 = await newHub({ transport, instanceName: names[1], writes: ['events'], streamWriters });
    const position = await p1.writer('events').write(db, async () => [row()]);
    for (const hub of [p1, p2]) expect(hub.positions.current('events')).toBe(position);
    expect(p2.writer('events').persistedUpTo).toBe(position);
  });

  test('close() stores the final positions; a restarted hub starts at or above them', async () => {
    const name = `${kind}-restart-${++instances}`;
    const first = await newHub({ instanceName: name });
    const position = await first.writer('events').write(db, async () => [row()]);
    await first.close();
    hubs = hubs.filter((h) => h !== first);
    expect((await streamWriterPositions(db, 'events')).get(name)).toBe(position);
    const second = await newHub({ instanceName: name });
    expect(second.positions.writerPosition('events', name)).toBeGreaterThan(position);
  });

  test('close() releases waiting long-polls', async () => {
    const hub = await newHub();
    const released = deferred<WaitOutcome>();
    void hub.notifier
      .wait({ userId: ALICE, roomIds: new Set([ROOM]), since: hub.currentToken(), timeoutMs: 60_000 })
      .then(released.resolve);
    await hub.close();
    hubs = [];
    await expect(released.promise).resolves.toBe('aborted');
  });
});
