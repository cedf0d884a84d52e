/**
 * A fresh database for benches that run a whole server: the test database
 * (createTestDatabase), but on PostgreSQL through a pool of the homeserver's
 * default size (cp_max 10) rather than the tests' 4, so the figures are of a
 * server as deployed. Closing it drops the database.
 */
import { createTestDatabase, openPostgres, testPostgresUrl, type Database } from '@lattice/storage';

export async function createBenchDatabase(kind: Database['kind']): Promise<Database> {
  const test = await createTestDatabase(kind);
  if (kind !== 'postgres') return test;
  const { rows } = await test.query<{ name: string }>('SELECT current_database() AS name');
  const db = openPostgres({ connectionString: testPostgresUrl(rows[0]!.name) });
  const closePool = db.close.bind(db);
  return Object.assign(db, {
    close: async () => {
      await closePool();
      await test.close();
    },
  });
}
