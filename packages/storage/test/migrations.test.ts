import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import {
  createTestDatabase,
  migrate,
  createPglite,
  pgliteDatabase,
  openPostgres,
  readMigrations,
  testPostgresUrl,
  type Database,
} from '@lattice/storage';

/** An empty database (no migrations applied) plus a way to open more connections to it. */
interface EmptyDatabase {
  open(): Promise<Database>;
  drop(): Promise<void>;
}

async function emptyPostgres(): Promise<EmptyDatabase> {
  const name = `lattice_migtest_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: testPostgresUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  return {
    open: async () => openPostgres({ connectionString: testPostgresUrl(name) }),
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

let emptyPgliteDump: Promise<Blob> | undefined;

/** initdb is slow on PGlite: do it once per file and load each empty database from its dump. */
async function emptyPglite(): Promise<EmptyDatabase> {
  emptyPgliteDump ??= createPglite().then(async (fresh) => {
    const dump = await fresh.dumpDataDir('none');
    await fresh.close();
    return dump;
  });
  const db = pgliteDatabase(await createPglite({ loadDataDir: await emptyPgliteDump }));
  // One PGlite instance is one database: "another connection" is the same handle.
  return { open: async () => db, drop: () => db.close() };
}

describe.each(['postgres', 'pglite'] as const)('migrations on %s', (kind) => {
  let dir: string;
  let empty: EmptyDatabase;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lattice-migrations-'));
    // The first file is slow so that concurrent runners really overlap on it.
    await writeFile(join(dir, '0001_first.sql'), 'CREATE TABLE first_t (id INT);\nSELECT pg_sleep(0.3);\n');
    await writeFile(join(dir, '0002_second.sql'), 'CREATE TABLE second_t (id INT);\nINSERT INTO second_t VALUES (1);\n');
    await writeFile(join(dir, 'README.txt'), 'not a migration');
    empty = kind === 'postgres' ? await emptyPostgres() : await emptyPglite();
  });
  afterEach(async () => {
    await empty.drop();
    await rm(dir, { recursive: true });
  });

  test('applies files in lexical order once, and a second run applies nothing', async () => {
    await writeFile(join(dir, '0010_third.sql'), 'INSERT INTO second_t VALUES (10);');
    const db = await empty.open();
    expect(await migrate(db, dir)).toEqual(['0001_first.sql', '0002_second.sql', '0010_third.sql']);
    expect(await migrate(db, dir)).toEqual([]);
    expect((await db.query('SELECT id FROM second_t ORDER BY id')).rows).toEqual([{ id: 1 }, { id: 10 }]);
    const recorded = await db.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
    expect(recorded.rows.map((r) => r.name)).toEqual(['0001_first.sql', '0002_second.sql', '0010_third.sql']);
    if (kind === 'postgres') await db.close();
  });

  test('a failing file rolls back entirely and stops the run', async () => {
    await writeFile(join(dir, '0003_bad.sql'), 'CREATE TABLE bad_t (id INT);\nSELECT no_such_function();\n');
    await writeFile(join(dir, '0004_after.sql'), 'CREATE TABLE after_t (id INT);');
    const db = await empty.open();
    await expect(migrate(db, dir)).rejects.toThrow(/no_such_function/);
    const tables = await db.query<{ t: string | null; a: string | null }>(
      "SELECT to_regclass('bad_t')::text AS t, to_regclass('after_t')::text AS a",
    );
    expect(tables.rows[0]).toEqual({ t: null, a: null });
    const recorded = await db.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
    expect(recorded.rows.map((r) => r.name)).toEqual(['0001_first.sql', '0002_second.sql']);
    if (kind === 'postgres') await db.close();
  });

  test('refuses to run when an applied file was edited', async () => {
    const db = await empty.open();
    await migrate(db, dir);
    await writeFile(join(dir, '0002_second.sql'), 'CREATE TABLE second_t (id BIGINT);');
    await expect(migrate(db, dir)).rejects.toThrow('migration 0002_second.sql changed after it was applied');
    if (kind === 'postgres') await db.close();
  });

  test('runners started together apply each file exactly once', async () => {
    const [a, b] = [await empty.open(), await empty.open()];
    const [fromA, fromB] = await Promise.all([migrate(a, dir), migrate(b, dir)]);
    expect([...fromA, ...fromB].sort()).toEqual(['0001_first.sql', '0002_second.sql']);
    expect((await a.query('SELECT count(*) AS n FROM second_t')).rows[0]).toEqual({ n: 1 });
    if (kind === 'postgres') await Promise.all([a.close(), b.close()]);
  });

  test('the real migrations apply concurrently to an empty database', async () => {
    const [a, b] = [await empty.open(), await empty.open()];
    const all = (await readMigrations()).map((m) => m.name);
    const [fromA, fromB] = await Promise.all([migrate(a), migrate(b)]);
    expect([...fromA, ...fromB].sort()).toEqual(all);
    if (kind === 'postgres') await Promise.all([a.close(), b.close()]);
  });
});

describe.each(['postgres', 'pglite'] as const)('test databases on %s', (kind) => {
  test('come migrated: running the migrations again applies nothing', async () => {
    const db = await createTestDatabase(kind);
    try {
      expect(await migrate(db)).toEqual([]);
      const recorded = await db.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
      expect(recorded.rows.map((r) => r.name)).toEqual((await readMigrations()).map((m) => m.name));
    } finally {
      await db.close();
    }
  });

  test('are isolated from each other', async () => {
    const [one, two] = await Promise.all([createTestDatabase(kind), createTestDatabase(kind)]);
    try {
      await one.exec('CREATE TABLE only_in_one (id INT); INSERT INTO only_in_one VALUES (1);');
      const there = await two.query<{ t: string | null }>("SELECT to_regclass('only_in_one')::text AS t");
      expect(there.rows[0]!.t).toBeNull();
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });
});

test('a closed PostgreSQL test database is dropped', async () => {
  const db = await createTestDatabase('postgres');
  const { rows } = await db.query<{ name: string }>('SELECT current_database() AS name');
  await db.close();
  const admin = new pg.Client({ connectionString: testPostgresUrl() });
  await admin.connect();
  try {
    const left = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [rows[0]!.name]);
    expect(left.rowCount).toBe(0);
  } finally {
    await admin.end();
  }
});
