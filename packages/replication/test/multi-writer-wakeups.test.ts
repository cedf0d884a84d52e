/**
 * A stream with several writers (events over two persisters): readers serve it
 * up to its safe position, so a row of one writer wakes long-polls only once
 * every writer has announced a position past it, and the sync token a worker
 * hands out never claims more than that safe position (else the notifier
 * would count the row as delivered before any read returned it).
 */
import { createTestDatabase, type Database } from '@lattice/storage';
import {
  InProcessTransport,
  StreamWriter,
  createReplicationHub,
  type EventStreamRow,
  type ReplicationHub,
  type StreamUpdate,
} from '@lattice/replication';
import { memoryLogger } from './helpers.js';

const ROOM = '!room:test';
const row: EventStreamRow = { event_id: '$e', room_id: ROOM, type: 'm.room.message', state_key: null, sender: '@a:test', membership: null };

describe.each(['pglite', 'postgres'] as const)('multi-writer wake-ups on %s', (kind) => {
  let db: Database;
  let hub: ReplicationHub;
  let transport: InProcessTransport;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await hub?.close();
    await db.close();
  });

  async function readerOf(writers: string[]): Promise<ReplicationHub> {
    await hub?.close();
    transport = new InProcessTransport();
    hub = await createReplicationHub({
      db,
      transport,
      instanceName: 'reader',
      logger: memoryLogger().logger,
      writes: [],
      writesTyping: false,
      streamWriters: { events: writers },
    });
    return hub;
  }

  it('holds a writer\'s rows until the safe position covers them, and tokens stop at the safe position', async () => {
    await readerOf(['w1', 'w2']);
    const since = hub.currentToken();
    let woken = false;
    const wait = hub.notifier.wait({ userId: '@b:test', roomIds: new Set([ROOM]), since, timeoutMs: 5000 }).then((outcome) => {
      woken = true;
      return outcome;
    });

    transport.publish({ stream: 'events', instance: 'w1', position: 10, rows: [row] });
    await new Promise((r) => setImmediate(r));
    expect(woken).toBe(false);
    expect(hub.positions.current('events')).toBe(0);
    expect(hub.currentToken().get('events').max).toBe(0);

    // w2 was idle; it announces that it moved past 10 (it observed w1): the row becomes readable.
    transport.publish({ stream: 'events', instance: 'w2', position: 10, rows: [] });
    expect(await wait).toBe('changed');
    expect(hub.currentToken().get('events').max).toBe(10);
    // A sync whose token was taken before the row became readable still sees it as news.
    expect(hub.notifier.hasChangesSince('@b:test', new Set([ROOM]), since)).toBe(true);
    expect(hub.notifier.hasChangesSince('@b:test', new Set([ROOM]), hub.currentToken())).toBe(false);
  });

  it('a row announced with a writer position past it reaches the change log at its own position, not later', async () => {
    await readerOf(['w1', 'w2']);
    transport.publish({ stream: 'events', instance: 'w1', position: 5, rows: [] });
    transport.publish({ stream: 'events', instance: 'w2', position: 9, rows: [] });
    const since = hub.currentToken();
    expect(since.get('events').max).toBe(5);
    // w1 wrote the row at 7, then (having observed the stream at 10) announces 10 with it. The safe position
    // becomes 9, which covers the row: a sync taking its token now must find the room changed. Held at 10, the
    // room would be skipped, and its release at 10 would fall outside the next sync's window (9, …]: a gap.
    transport.publish({ stream: 'events', instance: 'w1', position: 10, rows: [row], rowPositions: [7] });
    expect(hub.currentToken().get('events').max).toBe(9);
    expect(hub.notifier.hasChangesSince('@b:test', new Set([ROOM]), since)).toBe(true);
    expect(hub.notifier.hasChangesSince('@b:test', new Set([ROOM]), hub.currentToken())).toBe(false);
  });

  it("an idle writer moves along another writer's owned run without an update of its own", async () => {
    const names = [`${kind}-owner`, `${kind}-idle`];
    await readerOf(names);
    const writers = await Promise.all(
      names.map((instanceName) =>
        createReplicationHub({
          db,
          transport,
          instanceName,
          logger: memoryLogger().logger,
          writes: ['events'],
          writesTyping: false,
          streamWriters: { events: names },
        }),
      ),
    );
    try {
      const fromIdle: StreamUpdate[] = [];
      transport.subscribe((u) => {
        if (u.instance === names[1]) fromIdle.push(u);
      });
      const wait = hub.notifier.wait({ userId: '@b:test', roomIds: new Set([ROOM]), since: hub.currentToken(), timeoutMs: 60_000 });
      const position = await writers[0]!.writer('events').write(db, async () => [row]);
      // The row is readable (and wakes) on the owner's update alone: the idle writer said nothing.
      expect(await wait).toBe('changed');
      expect(hub.positions.current('events')).toBe(position);
      expect(fromIdle).toEqual([]);
      expect(writers[1]!.writer('events').persistedUpTo).toBe(position);
    } finally {
      await Promise.all(writers.map((w) => w.close()));
    }
  });

  it('a writer that observed later positions announces each row with its own position', async () => {
    await readerOf(['w1', 'w2']);
    const sent: StreamUpdate[] = [];
    transport.subscribe((u) => {
      if (u.instance === 'w1') sent.push(u);
    });
    const writer = new StreamWriter<EventStreamRow>({ db, stream: 'events', instance: 'w1', transport, logger: memoryLogger().logger, initialPosition: 0 });
    try {
      const position = await writer.allocate(db);
      // Another writer reached position + 5 meanwhile (the sequence handed it out).
      writer.observe(position + 5);
      transport.publish({ stream: 'events', instance: 'w2', position: position + 3, rows: [] });
      const since = hub.currentToken();
      writer.publish(position, [row]);
      const last = sent.at(-1)!;
      expect(last).toMatchObject({ position: position + 5, rows: [row], rowPositions: [position] });
      // The reader's safe position (w2 at position + 3) covers the row: its room changed since the earlier token.
      expect(hub.currentToken().get('events').max).toBe(position + 3);
      expect(hub.notifier.hasChangesSince('@b:test', new Set([ROOM]), since)).toBe(true);
    } finally {
      await writer.close();
    }
  });
});
