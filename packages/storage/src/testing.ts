/**
 * Fresh, migrated databases for tests (ARCHITECTURE.md §3: never a mock).
 *
 * PostgreSQL: each call creates a database from a migrated template
 * (CREATE DATABASE … TEMPLATE), dropped again on close. The template's name
 * carries a digest of the migrations, so editing a migration builds a new one;
 * building is guarded by an advisory lock so parallel jest workers build it once.
 * PGlite: each call loads an in-memory instance from a dump of a migrated one,
 * cached in the OS temp dir under the same digest.
 *
 * Connection: LATTICE_TEST_PG_URL (a postgres:// URL to a maintenance database
 * with CREATEDB rights), default postgres://postgres@127.0.0.1:5432/postgres.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { cp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import type { Database } from './database.js';
import { createPglite, pgliteDatabase } from './drivers/pglite.js';
import { openPostgres } from './drivers/postgres.js';
import { migrate, migrationsDigest, readMigrations } from './migrations.js';

export type TestDatabaseKind = Database['kind'];

export interface TestDatabaseOptions {
  /** Defaults to <repo>/migrations. */
  migrationsDir?: string;
}

const DEFAULT_TEST_PG_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
/** Advisory lock key (on the maintenance database) guarding template builds. */
const TEMPLATE_LOCK_KEY = 0x1a77_1ce0_0002;

export function testPostgresUrl(database?: string): string {
  const url = new URL(process.env.LATTICE_TEST_PG_URL ?? DEFAULT_TEST_PG_URL);
  if (database) url.pathname = `/${database}`;
  return url.toString();
}

/** Names a migrated database by the migrations it holds: templates, dumps and cached directories are rebuilt when they change. */
async function migrationsKey(migrationsDir: string | undefined): Promise<string> {
  return migrationsDigest(await readMigrations(migrationsDir)).slice(0, 16);
}

export async function createTestDatabase(kind: TestDatabaseKind, options: TestDatabaseOptions = {}): Promise<Database> {
  const digest = await migrationsKey(options.migrationsDir);
  return kind === 'postgres'
    ? createPostgresTestDatabase(digest, options.migrationsDir)
    : createPgliteTestDatabase(digest, options.migrationsDir);
}

// ---- PostgreSQL ----------------------------------------------------------

async function connectMaintenance(): Promise<pg.Client> {
  const url = testPostgresUrl();
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `PostgreSQL is not reachable at ${url} (${(err as Error).message}). The storage tests need a running ` +
        'PostgreSQL 13 or newer with trust or password auth: install and start it (Debian: `apt-get install -y ' +
        'postgresql && service postgresql start`), or set LATTICE_TEST_PG_URL to a postgres:// URL of one.',
      { cause: err },
    );
  }
  return client;
}

async function databaseExists(client: pg.Client, name: string): Promise<boolean> {
  return (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
}

/** Migrated under a build name and renamed when done, so a crash never leaves a half-built template. */
async function buildTemplate(client: pg.Client, template: string, migrationsDir: string | undefined): Promise<void> {
  const building = `${template}_build`;
  await client.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
  await client.query(`CREATE DATABASE ${building}`);
  const db = openPostgres({ connectionString: testPostgresUrl(building), max: 1 });
  try {
    await migrate(db, migrationsDir);
  } finally {
    await db.close();
  }
  await client.query(`ALTER DATABASE ${building} RENAME TO ${template}`);
  await dropOldTemplates(client);
}

/** Keeps the few newest templates (another checkout may still use an older one); drops the rest if unused. */
async function dropOldTemplates(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ datname: string }>(
    `SELECT datname FROM pg_database
     WHERE datname LIKE 'lattice\\_tpl\\_%' AND datname NOT LIKE '%\\_build'
     ORDER BY oid DESC OFFSET 3`,
  );
  for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS ${datname}`).catch(() => undefined);
}

/** This host, so that only test databases of this machine's dead processes are swept. */
const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 6);

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Drops test databases left behind by processes of this host that died before closing them. */
async function sweepLeakedDatabases(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ datname: string }>(
    "SELECT datname FROM pg_database WHERE datname LIKE 'lattice\\_test\\_' || $1 || '\\_%'",
    [HOST_TAG],
  );
  for (const { datname } of rows) {
    const pid = Number(datname.split('_')[3]);
    if (!isAlive(pid)) await client.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`).catch(() => undefined);
  }
}

const templates = new Map<string, Promise<string>>();

function ensureTemplate(digest: string, migrationsDir: string | undefined): Promise<string> {
  let ready = templates.get(digest);
  if (!ready) {
    ready = (async () => {
      const template = `lattice_tpl_${digest}`;
      const client = await connectMaintenance();
      try {
        await client.query(`SELECT pg_advisory_lock(${TEMPLATE_LOCK_KEY})`);
        if (!(await databaseExists(client, template))) await buildTemplate(client, template, migrationsDir);
        await sweepLeakedDatabases(client);
        return template;
      } finally {
        await client.end(); // ends the session, releasing the advisory lock
      }
    })();
    ready.catch(() => templates.delete(digest));
    templates.set(digest, ready);
  }
  return ready;
}

let created = 0;

async function createPostgresTestDatabase(digest: string, migrationsDir: string | undefined): Promise<Database> {
  const template = await ensureTemplate(digest, migrationsDir);
  const name = `lattice_test_${HOST_TAG}_${process.pid}_${Date.now().toString(36)}_${created++}`;
  const client = await connectMaintenance();
  try {
    await client.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  } finally {
    await client.end();
  }
  const db = openPostgres({ connectionString: testPostgresUrl(name), max: 4 });
  return withCloseHook(db, async () => {
    const admin = await connectMaintenance();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  });
}

function withCloseHook(db: Database, afterClose: () => Promise<void>): Database {
  return {
    kind: db.kind,
    query: (sql, params) => db.query(sql, params),
    exec: (sql) => db.exec(sql),
    transaction: (fn) => db.transaction(fn),
    close: async () => {
      await db.close();
      await afterClose();
    },
  };
}

// ---- PGlite ----------------------------------------------------------------

function pgliteVersion(): string {
  try {
    const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
    return (JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/**
 * The migrated dump as PGlite reads it: one arrayBuffer() per database made from it. Node 20's Blob reads a large
 * blob back in small chunks and then joins them (300 ms for the 40 MB dump, a third of a test database's start);
 * this one hands out its bytes as they are. PGlite only reads them (its untar copies each file out), so the one
 * buffer serves every database; were it ever changed, the next database would not load, loudly.
 */
class DumpBlob extends Blob {
  constructor(private readonly contents: ArrayBuffer) {
    super([contents]);
  }

  override arrayBuffer(): Promise<ArrayBuffer> {
    return Promise.resolve(this.contents);
  }
}

/** Where the migrated dump ('.tar') and the directory built from it ('.d') are cached for every test process. */
function pgliteCachePath(digest: string, suffix: '.tar' | '.d'): string {
  return join(tmpdir(), `lattice-pglite-${pgliteVersion()}-${digest}${suffix}`);
}

const dumps = new Map<string, Promise<Blob>>();

async function buildDump(migrationsDir: string | undefined): Promise<Blob> {
  const pglite = await createPglite();
  const db = pgliteDatabase(pglite);
  try {
    await migrate(db, migrationsDir);
    return await pglite.dumpDataDir('none');
  } finally {
    await db.close();
  }
}

/** The migrated dump, from this process, else the temp-dir cache, else built (and cached atomically). */
function migratedDump(digest: string, migrationsDir: string | undefined): Promise<Blob> {
  let dump = dumps.get(digest);
  if (!dump) {
    dump = (async () => {
      const file = pgliteCachePath(digest, '.tar');
      let bytes: Uint8Array;
      try {
        bytes = await readFile(file);
      } catch {
        bytes = new Uint8Array(await (await buildDump(migrationsDir)).arrayBuffer());
        const partial = `${file}.${process.pid}.partial`;
        await writeFile(partial, bytes);
        await rename(partial, file);
        await pruneDumpCache().catch(() => undefined); // best effort: another process may prune too
      }
      return new DumpBlob(exactBuffer(bytes));
    })();
    dump.catch(() => dumps.delete(digest));
    dumps.set(digest, dump);
  }
  return dump;
}

/** The bytes as an ArrayBuffer of their own size (a Buffer from readFile may be a view into a larger one). */
function exactBuffer(bytes: Uint8Array): ArrayBuffer {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
  return whole ? (bytes.buffer as ArrayBuffer) : (bytes.slice().buffer as ArrayBuffer);
}

/** Keeps the few newest cached dumps and directories (40 MB each) of each kind, as for PostgreSQL templates. */
async function pruneDumpCache(): Promise<void> {
  const dir = tmpdir();
  const entries = await readdir(dir);
  for (const suffix of ['.tar', '.d']) {
    const cached = entries.filter((f) => f.startsWith('lattice-pglite-') && f.endsWith(suffix));
    const dated = await Promise.all(cached.map(async (f) => ({ f, mtime: (await stat(join(dir, f))).mtimeMs })));
    dated.sort((a, b) => b.mtime - a.mtime);
    await Promise.all(dated.slice(3).map(({ f }) => rm(join(dir, f), { recursive: true, force: true }).catch(() => undefined)));
  }
}

async function createPgliteTestDatabase(digest: string, migrationsDir: string | undefined): Promise<Database> {
  const dump = await migratedDump(digest, migrationsDir);
  return pgliteDatabase(await createPglite({ loadDataDir: dump }));
}

/**
 * Puts a migrated PGlite database at `dataDir` (absent or empty), as a homeserver's first run leaves it: for tests
 * that start the real server on its embedded database and are not about that first run (initdb and every migration
 * take it about 7 s of CPU). Copies a directory cached in the OS temp dir, built once from the dump.
 */
export async function copyMigratedPgliteDirectory(dataDir: string, options: TestDatabaseOptions = {}): Promise<void> {
  const digest = await migrationsKey(options.migrationsDir);
  const cached = pgliteCachePath(digest, '.d');
  if (!existsSync(cached)) {
    const partial = `${cached}.${process.pid}.partial`;
    await rm(partial, { recursive: true, force: true });
    await (await createPglite({ dataDir: partial, loadDataDir: await migratedDump(digest, options.migrationsDir) })).close();
    // Another process may have put its copy in place first: then this one is not needed.
    await rename(partial, cached).catch(async (err: unknown) => {
      if (!existsSync(cached)) throw err;
      await rm(partial, { recursive: true, force: true });
    });
  }
  // Never over a database that a run already put there: a mix of the two files would be neither.
  await cp(cached, dataDir, { recursive: true, force: false, errorOnExist: true });
}
