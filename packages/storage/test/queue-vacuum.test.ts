import { createTestDatabase, vacuumQueueTables, type Database } from '../src/index.js';

let db: Database;

beforeAll(async () => {
  db = await createTestDatabase('pglite');
});

afterAll(async () => {
  await db.close();
});

const outboxBytes = async (): Promise<number> =>
  Number((await db.query<{ size: string }>(`SELECT pg_relation_size('federation_outbox') AS size`, [])).rows[0]!.size);

/** A burst of queued PDUs, all acknowledged: only dead rows are left. */
async function queueAndAcknowledge(): Promise<void> {
  await db.query(
    `INSERT INTO federation_outbox (destination, kind, payload_json, queued_ts)
     SELECT 'remote.example', 'pdu', repeat('x', 500), 0 FROM generate_series(1, 2000)`,
    [],
  );
  await db.query(`DELETE FROM federation_outbox`, []);
}

test('a pass vacuums every queue table: the dead rows of an emptied outbox go, and its pages with them', async () => {
  await queueAndAcknowledge();
  expect(await outboxBytes()).toBeGreaterThan(0);
  await vacuumQueueTables(db);
  expect(await outboxBytes()).toBe(0);
});
