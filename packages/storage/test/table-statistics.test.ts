/**
 * Planner statistics on PGlite, which has no autoanalyze: a table changed
 * enough is analysed again, and a room's page of events is then read by
 * walking the index, not by sorting every event before the position.
 */
import { analyzeChangedTables, createTestDatabase, type Database } from '../src/index.js';

let db: Database;

beforeAll(async () => {
  db = await createTestDatabase('pglite');
});

afterAll(async () => {
  await db.close();
});

/** PostgreSQL publishes a backend's table counters a second or so after its writes: analyse once they are seen. */
async function analyzeOnceCounted(): Promise<string[]> {
  for (let i = 0; i < 100; i++) {
    const analysed = await analyzeChangedTables(db);
    if (analysed.length > 0) return analysed;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return [];
}

const PAGE = `SELECT e.event_id FROM events e
  WHERE e.room_id = '!big:test' AND (e.topological_ordering, e.stream_ordering) <= (15000, 15000)
    AND NOT e.outlier AND e.rejected_reason IS NULL AND NOT e.soft_failed
  ORDER BY e.topological_ordering DESC, e.stream_ordering DESC LIMIT 11`;

async function planNodes(sql: string): Promise<string[]> {
  const { rows } = await db.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${sql}`, []);
  return [...JSON.stringify(rows[0]).matchAll(/"Node Type":"([^"]+)"/g)].map((m) => m[1]!);
}

test('a room page of a grown events table walks the index once the table is analysed, instead of sorting its history', async () => {
  await db.query(
    `INSERT INTO events (event_id, room_id, stream_ordering, topological_ordering, type, sender, origin_server_ts, received_ts, json, instance_name)
     SELECT '$e' || g, CASE WHEN g % 10 = 0 THEN '!other' || g || ':test' ELSE '!big:test' END, g, g, 'm.room.message', '@a:test', 0, 0, '{}', 'master'
     FROM generate_series(1, 20000) g`,
    [],
  );
  // Never analysed, the planner guesses a few dozen rows and sorts all 13,500 of them for a page.
  expect(await planNodes(PAGE)).toContain('Sort');
  expect(await analyzeOnceCounted()).toContain('events');
  const nodes = await planNodes(PAGE);
  expect(nodes).not.toContain('Sort');
  expect(nodes).toContain('Index Scan');
});

test('a table changed by less than 50 rows + 10% since its last ANALYZE is left alone', async () => {
  await db.query(`INSERT INTO events (event_id, room_id, stream_ordering, topological_ordering, type, sender, origin_server_ts, received_ts, json, instance_name)
     SELECT '$f' || g, '!big:test', 100000 + g, 100000 + g, 'm.room.message', '@a:test', 0, 0, '{}', 'master' FROM generate_series(1, 40) g`, []);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await db.query('SELECT 1', []); // the counters of the insert are published by now
  expect(await analyzeChangedTables(db)).not.toContain('events');
});
