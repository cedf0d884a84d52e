/**
 * The event persister's send path (issue 3 targets on PostgreSQL, 2 cores):
 * sequential sends into one room (≥ 500/s) with per-send latency, and 50
 * concurrent senders over 100 rooms (≥ 2,000 events/s). Both drivers.
 */
import { createLogger, generateSigningKey, type HomeserverConfig } from '@lattice/core';
import { InProcessTransport, createReplicationHub } from '@lattice/replication';
import { createRooms, type Rooms } from '@lattice/rooms';
import { createTestDatabase, migrate, openPostgres, testPostgresUrl, type Database } from '@lattice/storage';
import { createPublicRoom } from './lib/public-room.js';

const SERVER = 'bench.local';
const ALICE = `@alice:${SERVER}`;

const BENCH_DB = 'lattice_bench_persister';

/** PostgreSQL: a database of its own with a pool sized for 50 concurrent senders (test databases get 4). */
async function openDatabase(kind: Database['kind']): Promise<Database> {
  if (kind === 'pglite') return createTestDatabase('pglite');
  const admin = openPostgres({ connectionString: testPostgresUrl(), max: 1 });
  await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DB} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${BENCH_DB}`);
  // Diagnostic: BENCH_ASYNC_COMMIT=1 takes the WAL fsync out of the figures (what is left is our cost).
  if (process.env.BENCH_ASYNC_COMMIT === '1') await admin.query(`ALTER DATABASE ${BENCH_DB} SET synchronous_commit = off`);
  await admin.close();
  const db = openPostgres({ connectionString: testPostgresUrl(BENCH_DB), max: 16 });
  await migrate(db);
  return db;
}

async function setUp(kind: Database['kind']): Promise<{ rooms: Rooms; close: () => Promise<void> }> {
  const db = await openDatabase(kind);
  const logger = createLogger({ level: 'fatal' });
  const hub = await createReplicationHub({ db, transport: new InProcessTransport(), instanceName: 'bench', logger });
  const rooms = createRooms({
    db,
    config: { server_name: SERVER } as HomeserverConfig,
    signingKey: generateSigningKey('bench'),
    instanceName: 'bench',
    hub,
    logger,
  });
  return {
    rooms,
    close: async () => {
      rooms.close();
      await hub.close();
      await db.close();
      if (kind === 'postgres') {
        const admin = openPostgres({ connectionString: testPostgresUrl(), max: 1 });
        await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DB} WITH (FORCE)`);
        await admin.close();
      }
    },
  };
}

function newRoom(rooms: Rooms): Promise<string> {
  return createPublicRoom(rooms.persister, ALICE);
}

let txnCounter = 0;
function send(rooms: Rooms, roomId: string): Promise<unknown> {
  const txnId = `t${txnCounter++}`;
  return rooms.persister.createEvent(
    { room_id: roomId, type: 'm.room.message', sender: ALICE, content: { msgtype: 'm.text', body: `hello ${txnId}` } },
    { txn: { userId: ALICE, deviceId: 'BENCH', txnId } },
  );
}

function pct(sorted: number[], p: number): string {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(2);
}

async function sequential(kind: string, rooms: Rooms, count: number): Promise<void> {
  const roomId = await newRoom(rooms);
  for (let i = 0; i < 100; i++) await send(rooms, roomId); // warm up
  const samples: number[] = [];
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    await send(rooms, roomId);
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  samples.sort((a, b) => a - b);
  console.log(
    `${`${kind}: sequential sends, one room`.padEnd(48)} ${Math.round(count / seconds).toLocaleString('en-US').padStart(8)} sends/s` +
      `  p50 ${pct(samples, 50)} ms  p99 ${pct(samples, 99)} ms  (n=${count})`,
  );
}

async function concurrent(kind: string, rooms: Rooms, senders: number, roomCount: number, perSender: number): Promise<void> {
  const roomIds: string[] = [];
  for (let i = 0; i < roomCount; i++) roomIds.push(await newRoom(rooms));
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: senders }, async (_, s) => {
      for (let i = 0; i < perSender; i++) await send(rooms, roomIds[(s * 7 + i) % roomCount]!);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const total = senders * perSender;
  console.log(
    `${`${kind}: ${senders} senders over ${roomCount} rooms`.padEnd(48)} ${Math.round(total / seconds).toLocaleString('en-US').padStart(8)} events/s  (n=${total})`,
  );
}

const kinds = (process.env.BENCH_DRIVERS ?? 'pglite,postgres').split(',') as Database['kind'][];
for (const kind of kinds) {
  const { rooms, close } = await setUp(kind);
  try {
    await sequential(kind, rooms, kind === 'postgres' ? 3000 : 1500);
    await concurrent(kind, rooms, 50, 100, kind === 'postgres' ? 200 : 60);
  } finally {
    await close();
  }
}
