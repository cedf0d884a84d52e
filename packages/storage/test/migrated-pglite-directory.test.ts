/**
 * Tests that start the real server on its embedded database, and are not about its first run, begin from a copy of a
 * migrated data directory: the copy must be a database a server opens with nothing left to migrate, and must never be
 * laid over files a run already wrote.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { copyMigratedPgliteDirectory, migrate, openPglite, readMigrations } from '../src/index.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lattice-migrated-dir-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('the copy opens as a database with every migration applied', async () => {
  const dataDir = path.join(dir, 'db');
  await copyMigratedPgliteDirectory(dataDir);
  const db = await openPglite({ dataDir });
  try {
    expect(await migrate(db)).toEqual([]);
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
    expect(rows[0]!.n).toBe((await readMigrations()).length);
  } finally {
    await db.close();
  }
});

test('a directory that already holds files is refused, not overwritten', async () => {
  const dataDir = path.join(dir, 'db');
  await copyMigratedPgliteDirectory(dataDir);
  await expect(copyMigratedPgliteDirectory(dataDir)).rejects.toThrow(/exists/);
});
