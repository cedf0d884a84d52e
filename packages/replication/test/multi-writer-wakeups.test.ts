/**
 * A stream with several writers (events over two persisters): readers serve it
 * up to its safe position, so a row of one writer wakes long-polls only once
 * every writer has announced a position past it, and the sync token a worker
 * hands out never claims more than that safe position (else the notifier
 * would count the row as delivered before any read returned it).
 */
import { createTestDatabase, type Database } from '@lattice/storage';
import { InProcessTransport, createReplicationHub, type EventStreamRow, type ReplicationHub } from '@lattice/replication';
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

  it('holds a writer\'s rows until the safe position covers them, and tokens stop at the safe position', async () => {
    transport = new InProcessTransport();
    hub = await createReplicationHub({
      db,
      transport,
      instanceName: 'reader',
      logger: memoryLogger().logger,
      writes: [],
      writesTyping: false,
      streamWriters: { events: ['w1', 'w2'] },
    });
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
});
