import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.js';

export interface Migration {
  /** File name, e.g. "0001_core.sql"; files apply in lexical order of names. */
  name: string;
  sql: string;
  /** sha256 of the file, recorded when applied: an applied file must never change. */
  checksum: string;
}

/** Advisory lock key serialising migration runners across processes ("lattice migrations"). */
const MIGRATION_LOCK_KEY = 0x1a77_1ce0_0001;

/**
 * <repo>/migrations: found by walking up from this module (src/ under jest,
 * dist/ at run time) to the package.json that declares the npm workspaces.
 */
export function defaultMigrationsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && 'workspaces' in JSON.parse(readFileSync(manifest, 'utf8'))) {
      return join(dir, 'migrations');
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot locate the migrations directory: no workspace root above ' + import.meta.url);
    dir = parent;
  }
}

export async function readMigrations(dir: string = defaultMigrationsDir()): Promise<Migration[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.sql')).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(join(dir, name), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

/** One digest over every migration (names and contents): changes whenever the schema would. */
export function migrationsDigest(migrations: readonly Migration[]): string {
  const hash = createHash('sha256');
  for (const m of migrations) hash.update(`${m.name}\0${m.checksum}\0`);
  return hash.digest('hex');
}

/**
 * Applies every migration not yet recorded in schema_migrations, in order, each
 * in its own transaction under a transaction-level advisory lock: concurrent
 * runners (several workers starting together) apply each file exactly once,
 * the others wait for it and then skip it. Returns the names this call applied.
 * Migration files must not contain BEGIN/COMMIT.
 */
export async function migrate(db: Database, dir?: string): Promise<string[]> {
  const applied: string[] = [];
  for (const migration of await readMigrations(dir)) {
    const didApply = await db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
      await tx.exec(
        `CREATE TABLE IF NOT EXISTS schema_migrations (
           name TEXT PRIMARY KEY,
           checksum TEXT NOT NULL,
           applied_ts BIGINT NOT NULL
         )`,
      );
      const { rows } = await tx.query<{ checksum: string }>('SELECT checksum FROM schema_migrations WHERE name = $1', [
        migration.name,
      ]);
      if (rows[0]) {
        if (rows[0].checksum !== migration.checksum) {
          throw new Error(`migration ${migration.name} changed after it was applied; add a new migration instead`);
        }
        return false;
      }
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO schema_migrations (name, checksum, applied_ts) VALUES ($1, $2, $3)', [
        migration.name,
        migration.checksum,
        Date.now(),
      ]);
      return true;
    });
    if (didApply) applied.push(migration.name);
  }
  return applied;
}
