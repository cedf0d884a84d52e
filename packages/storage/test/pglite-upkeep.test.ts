/** PGlite's upkeep runs by itself: the queue tables are vacuumed and changed tables analysed, pass after pass. */
import { createTestDatabase, startPgliteUpkeep, type Database } from '../src/index.js';

let db: Database;

beforeAll(async () => {
  db = await createTestDatabase('pglite');
});

afterAll(async () => {
  await db.close();
});

const until = async (check: () => Promise<boolean>): Promise<boolean> => {
  for (let i = 0; i < 500; i++) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
};

test('on PGlite the passes run by themselves: an emptied outbox gives its pages back, a grown table is analysed', async () => {
  await db.query(
    `INSERT INTO federation_outbox (destination, kind, payload_json, queued_ts)
     SELECT 'remote.example', 'pdu', repeat('x', 500), 0 FROM generate_series(1, 2000)`,
    [],
  );
  await db.query(`DELETE FROM federation_outbox`, []);
  await db.query(
    `INSERT INTO receipts (room_id, receipt_type, user_id, thread_id, event_id, event_stream_ordering, ts, stream_id)
     SELECT '!r:test', 'm.read', '@u' || g || ':test', '', '$e', g, 0, g FROM generate_series(1, 500) g`,
    [],
  );
  const stop = startPgliteUpkeep(db, { warn: () => undefined }, 20);
  try {
    const outboxBytes = async () => Number((await db.query<{ size: string }>(`SELECT pg_relation_size('federation_outbox') AS size`, [])).rows[0]!.size);
    expect(await until(async () => (await outboxBytes()) === 0)).toBe(true);
    const analysed = async () =>
      (await db.query<{ at: Date | null }>(`SELECT last_analyze AS at FROM pg_stat_user_tables WHERE relname = 'receipts'`, [])).rows[0]?.at != null;
    expect(await until(analysed)).toBe(true);
  } finally {
    stop();
  }
});

test('on PostgreSQL nothing runs: its own autovacuum does this', async () => {
  let queried = 0;
  const postgres = { kind: 'postgres', query: async () => void queried++ } as unknown as Database;
  const stop = startPgliteUpkeep(postgres, { warn: () => undefined }, 5);
  await new Promise((resolve) => setTimeout(resolve, 50));
  stop();
  expect(queried).toBe(0);
});
