/**
 * Event-row insert throughput on both drivers: one event per transaction (the
 * persister's shape: position + event row + prev edge) and batches of 100.
 */
import { createTestDatabase, nextStreamPosition, nextStreamPositions, type Database, type Queryable } from '@lattice/storage';

const ROOM = '!bench:example.org';
const content = { msgtype: 'm.text', body: 'x'.repeat(300) };
let counter = 0;

async function insertEvent(tx: Queryable, position: number): Promise<void> {
  const eventId = `$bench${counter++}`;
  const json = JSON.stringify({ event_id: eventId, room_id: ROOM, type: 'm.room.message', content, depth: position });
  await tx.query(
    `INSERT INTO events (event_id, room_id, stream_ordering, topological_ordering, type, sender,
       origin_server_ts, received_ts, json, instance_name)
     VALUES ($1, $2, $3, $3, 'm.room.message', '@bench:example.org', $4, $4, $5, 'bench')`,
    [eventId, ROOM, position, Date.now(), json],
  );
  await tx.query('INSERT INTO event_edges (event_id, prev_event_id) VALUES ($1, $2)', [eventId, `$bench${counter - 2}`]);
}

async function rate(name: string, seconds: number, batch: () => Promise<number>): Promise<void> {
  const start = process.hrtime.bigint();
  const budget = BigInt(seconds * 1e9);
  let rows = 0;
  while (process.hrtime.bigint() - start < budget) rows += await batch();
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`${name.padEnd(48)} ${Math.round(rows / elapsed).toLocaleString('en-US').padStart(12)} events/s`);
}

async function benchDriver(db: Database): Promise<void> {
  await rate(`${db.kind}: 1 event per transaction`, 3, () =>
    db.transaction(async (tx) => {
      await insertEvent(tx, await nextStreamPosition(tx, 'events'));
      return 1;
    }),
  );
  await rate(`${db.kind}: 100 events per transaction`, 3, () =>
    db.transaction(async (tx) => {
      for (const position of await nextStreamPositions(tx, 'events', 100)) await insertEvent(tx, position);
      return 100;
    }),
  );
}

for (const kind of ['postgres', 'pglite'] as const) {
  const db = await createTestDatabase(kind);
  try {
    await benchDriver(db);
  } finally {
    await db.close();
  }
}
