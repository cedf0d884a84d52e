import { mkdir } from 'node:fs/promises';
import { PGlite, type Results, type Transaction } from '@electric-sql/pglite';
import type { Database, PoolStats, QueryResult, ScriptRunner } from '../database.js';
import { ScopedDatabase, type Driver } from '../scoped-database.js';
import { PG_TYPE, parseInt8 } from '../value-types.js';
import { hasDatabaseFiles, initDatabaseFilesInChild } from './pglite-initdb.js';
import { LoopTurns } from './loop-turns.js';
import { PglitePreparedStatements } from './pglite-prepared.js';

export interface PgliteOptions {
  /** Directory of the database files; omit for an in-memory database. */
  dataDir?: string;
  /** Start from a dumpDataDir() tarball instead of running initdb. */
  loadDataDir?: Blob;
}

// Same result shapes as the pg driver (database.ts): int8 → number (int8[]
// follows, PGlite derives array parsers from element parsers), bytea → Buffer.
const parsers = {
  [PG_TYPE.INT8]: (text: string) => parseInt8(text),
  [PG_TYPE.BYTEA]: (text: string) => Buffer.from(text.slice(2), 'hex'),
};

/**
 * PGlite's own default reserves 160 MB of shared buffers inside the process,
 * more than the whole homeserver otherwise needs. The embedded database is one
 * connection whose files the OS caches anyway, so PostgreSQL's historical
 * defaults serve it as well and keep the single process small (about 150 MiB
 * less resident memory).
 */
const EMBEDDED_CONF = 'shared_buffers = 16MB\nwal_buffers = 1MB\n';

/** A raw PGlite instance with Lattice's parsers; wrap it with pgliteDatabase(). */
export async function createPglite(options: PgliteOptions = {}): Promise<PGlite> {
  if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
  return PGlite.create({ dataDir: options.dataDir, loadDataDir: options.loadDataDir, parsers, postgresqlconf: EMBEDDED_CONF });
}

function toResult<R>(result: Results<R>): QueryResult<R> {
  return { rows: result.rows, rowCount: result.affectedRows || result.rows.length };
}

/** Longest run of statements without an event-loop turn (see LoopTurns). */
const SLICE_MS = 5;

/** Runs a hot statement by name (pglite-prepared.ts) under the locks its context needs. */
type NamedRun = <R>(name: string, sql: string, params: readonly unknown[]) => Promise<Results<R>>;

function runnerOn(target: PGlite | Transaction, turns: LoopTurns, prepared: PglitePreparedStatements, runNamed: NamedRun): ScriptRunner {
  return {
    query: async <R>(sql: string, params: readonly unknown[] = []) => {
      const name = prepared.nameFor(sql, params);
      const result = toResult<R>(name === undefined ? await target.query<R>(sql, params as unknown[]) : await runNamed<R>(name, sql, params));
      await turns.after();
      return result;
    },
    exec: async (sql: string) => {
      await target.exec(sql);
      await turns.after();
    },
  };
}

class PgliteDriver implements Driver {
  readonly kind = 'pglite' as const;
  private readonly top: ScriptRunner;
  private readonly turns = new LoopTurns(SLICE_MS);
  private readonly prepared: PglitePreparedStatements;
  /** Top-level statements and transactions submitted and not yet done: one runs, the rest wait. */
  private inFlight = 0;

  // PGlite is one connection: its own mutex already queues top-level statements
  // behind a running transaction, so a transaction is never interleaved.
  constructor(private readonly pglite: PGlite) {
    this.prepared = new PglitePreparedStatements(pglite);
    // Outside a transaction: behind any transaction, as PGlite's query() waits, and written through to the files.
    this.top = runnerOn(pglite, this.turns, this.prepared, (name, sql, params) =>
      pglite._runExclusiveTransaction(() => pglite.runExclusive(() => this.prepared.run(name, sql, params, true))),
    );
  }

  query<R>(sql: string, params: readonly unknown[]): Promise<QueryResult<R>> {
    return this.tracked(() => this.top.query<R>(sql, params));
  }

  exec(sql: string): Promise<void> {
    return this.tracked(() => this.top.exec(sql));
  }

  begin<T>(fn: (conn: ScriptRunner) => Promise<T>): Promise<T> {
    // Inside the transaction (its lock held): the query lock only, and the commit writes the files through.
    const runNamed: NamedRun = (name, sql, params) => this.pglite.runExclusive(() => this.prepared.run(name, sql, params, false));
    return this.tracked(() => this.pglite.transaction((tx) => fn(runnerOn(tx, this.turns, this.prepared, runNamed))));
  }

  close(): Promise<void> {
    return this.pglite.close();
  }

  poolStats(): PoolStats {
    return { total: 1, idle: this.inFlight === 0 ? 1 : 0, waiting: Math.max(0, this.inFlight - 1) };
  }

  private async tracked<T>(run: () => Promise<T>): Promise<T> {
    this.inFlight++;
    try {
      return await run();
    } finally {
      this.inFlight--;
    }
  }
}

/** A Database over an existing PGlite instance (closing it closes the instance). */
export function pgliteDatabase(pglite: PGlite): Database {
  return new ScopedDatabase(new PgliteDriver(pglite));
}

/** A Database over a new PGlite instance. */
export async function openPglite(options: PgliteOptions = {}): Promise<Database> {
  // A new database's files are made in a child process (pglite-initdb.ts: initdb's memory stays where it ran).
  if (options.dataDir !== undefined && options.loadDataDir === undefined && !hasDatabaseFiles(options.dataDir)) {
    await mkdir(options.dataDir, { recursive: true });
    await initDatabaseFilesInChild(options.dataDir);
  }
  return pgliteDatabase(await createPglite(options));
}
