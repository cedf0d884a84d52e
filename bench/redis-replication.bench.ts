/**
 * Replication across two workers over Redis: latency from a writer's publish
 * (after COMMIT) on worker A to the resolved long-poll on worker B (one Redis
 * round trip through the channel, JSON both ways), and of a whole write
 * (transaction + publish + wake-up on B). Needs Redis on 127.0.0.1:6379 and PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import { createLogger } from '@lattice/core';
import { createTestDatabase } from '@lattice/storage';
import {
  DURABLE_STREAMS,
  EventsRowSource,
  RedisTransport,
  createReplicationHub,
  type DurableStreamName,
  type EventStreamRow,
} from '@lattice/replication';
import { measureLatency } from './lib/measure.js';

const ROOM = '!bench:b';

function row(): EventStreamRow {
  return { event_id: '$e', room_id: ROOM, type: 'm.room.message', state_key: null, sender: '@s:b', membership: null };
}

async function main(): Promise<void> {
  const db = await createTestDatabase('postgres');
  const logger = createLogger({ level: 'error' });
  const namespace = `lattice-bench-${randomUUID()}`;
  const [ta, tb] = [new RedisTransport({ namespace, logger }), new RedisTransport({ namespace, logger })];
  const streamWriters = Object.fromEntries(DURABLE_STREAMS.map((s) => [s, ['bench-a']])) as Record<DurableStreamName, string[]>;
  const common = { db, logger, streamWriters, rowSources: { events: new EventsRowSource(db) }, writesTyping: false };
  const a = await createReplicationHub({ ...common, transport: ta, instanceName: 'bench-a' });
  const b = await createReplicationHub({ ...common, transport: tb, instanceName: 'bench-b', writes: [] });
  await b.waitForPositions({ events: a.writer('events').persistedUpTo }, 10_000);
  const writer = a.writer('events');

  const wake = async (write: () => Promise<void>) => {
    const woken = b.notifier.wait({ userId: '@u:b', roomIds: new Set([ROOM]), since: b.currentToken(), timeoutMs: 10_000 });
    await write();
    if ((await woken) !== 'changed') throw new Error('worker B was not woken');
  };
  // Positions allocated up front (ascending): the timed part is publish → Redis → B's wake-up only.
  const positions = await db.transaction((tx) => writer.allocate(tx, 1000));
  await measureLatency(
    'publish (A) → long-poll woken (B), via Redis',
    () => wake(async () => writer.publish(positions.shift()!, [row()])),
    1000,
  );
  await measureLatency('write (A, PostgreSQL tx) → long-poll woken (B)', () => wake(async () => void (await writer.write(db, async () => [row()]))), 500);

  await Promise.all([a.close(), b.close()]);
  await Promise.all([ta.close(), tb.close()]);
  await db.close();
}

void main();
