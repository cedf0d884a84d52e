/**
 * Replication hot paths with 10,000 long-polls waiting (1,000 rooms, each
 * waiter in 5 rooms): wake-up latency from publish() to a resolved wait, and
 * how many updates per second the hub routes.
 */
import { createLogger } from '@lattice/core';
import { createTestDatabase } from '@lattice/storage';
import {
  InProcessTransport,
  createReplicationHub,
  type EventStreamRow,
  type ReplicationHub,
} from '@lattice/replication';
import { measure, measureLatency } from './lib/measure.js';

const WAITERS = 10_000;
const ROOMS = 1_000;

function row(roomId: string): EventStreamRow {
  return { event_id: '$e', room_id: roomId, type: 'm.room.message', state_key: null, sender: '@s:b', membership: null };
}

function roomsOf(i: number): Set<string> {
  return new Set([0, 1, 2, 3, 4].map((k) => `!r${(i * 5 + k * 197) % ROOMS}:b`));
}

async function main(): Promise<void> {
  const db = await createTestDatabase('pglite');
  const transport = new InProcessTransport();
  const hub: ReplicationHub = await createReplicationHub({
    db,
    transport,
    instanceName: 'main',
    logger: createLogger({ level: 'error' }),
  });
  let position = 0;
  const publish = (roomId: string): void =>
    transport.publish({ stream: 'events', instance: 'bench', position: ++position, rows: [row(roomId)] });

  const wait = (userId: string, rooms: ReadonlySet<string>) =>
    hub.notifier.wait({ userId, roomIds: rooms, since: hub.currentToken(), timeoutMs: 600_000 });
  for (let i = 0; i < WAITERS; i++) void wait(`@u${i}:b`, roomsOf(i));
  console.log(`waiters: ${hub.notifier.waiting}`);

  await measureLatency(
    'publish → resolved wait (10k waiting)',
    async () => {
      const woken = wait('@probe:b', new Set(['!probe:b']));
      publish('!probe:b');
      await woken;
    },
    2000,
  );

  measure('publish, no waiter affected (10k waiting)', () => publish('!quiet:b'));

  let next = 0;
  const quietRooms = Array.from({ length: 100 }, (_, i) => `!hot${i}:b`);
  for (const room of quietRooms) for (let k = 0; k < 10; k++) void wait(`@hot${k}:b`, new Set([room]));
  measure('publish waking 10 waiters (+ their re-wait)', () => {
    const room = quietRooms[next++ % quietRooms.length]!;
    publish(room);
    for (let k = 0; k < 10; k++) void wait(`@hot${k}:b`, new Set([room]));
  });

  measure('hub.currentToken()', () => void hub.currentToken());
  const since = hub.currentToken();
  measure('wait() register + timeout-free settle via notify', () => {
    void hub.notifier.wait({ userId: '@y:b', roomIds: new Set(['!z:b']), since, timeoutMs: 600_000 });
    hub.notifier.notify('events', 'bench2', 1, [row('!z:b')]);
  });

  const fresh = Array.from({ length: 1000 }, (_, i) => roomsOf(i));
  let n = 0;
  measure('wait() register + abort, user in 5 rooms', () => {
    const controller = new AbortController();
    void hub.notifier.wait({
      userId: '@x:b',
      roomIds: fresh[n++ % fresh.length]!,
      since: hub.currentToken(),
      timeoutMs: 600_000,
      signal: controller.signal,
    });
    controller.abort();
  });

  await measureLatency(
    'StreamWriter.write (PGlite) → wait resolved',
    async () => {
      const woken = wait('@probe:b', new Set(['!probe:b']));
      await hub.writer('events').write(db, async () => [row('!probe:b')]);
      await woken;
    },
    300,
  );

  console.log(`waiters left: ${hub.notifier.waiting}`);
  await hub.close();
  await db.close();
}

await main();
