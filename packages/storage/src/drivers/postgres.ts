import pg from 'pg';
import type { Logger } from '@lattice/core';
import type { Database, PoolStats, QueryResult, ScriptRunner } from '../database.js';
import { ScopedDatabase, type Driver } from '../scoped-database.js';
import { PG_TYPE, parseInt8 } from '../value-types.js';
import { REFUSED_CONNECTION_RETRY, retryRefusedConnection, type RefusedConnectionRetry } from './refused-connections.js';
import { StatementNames } from './statement-names.js';

export interface PostgresOptions {
  /** libpq URL (postgres://user:pass@host:port/db); when set it wins over the discrete fields. */
  connectionString?: string;
  user?: string;
  password?: string;
  host?: string;
  port?: number;
  database?: string;
  /** Pool bounds (Synapse's cp_min / cp_max). */
  min?: number;
  max?: number;
  /**
   * application_name of every connection (stream writer fencing finds a
   * writer's backends by it, see writer-activity.ts). A connection string's own wins.
   */
  applicationName?: string;
  /** How long a connection the pool no longer needs stays open (above `min`); pg-pool's 10 s when unset. */
  idleTimeoutMs?: number;
  /** Hears of connections PostgreSQL refused (too many clients), which are retried for a while. */
  logger?: Pick<Logger, 'warn'>;
}

// pg-types' signature only admits its builtin oid enum; any oid works at run time.
const defaultParser = pg.types.getTypeParser as (oid: number, format: 'text' | 'binary') => (text: string) => unknown;
const parseInt8Array = defaultParser(PG_TYPE.INT8_ARRAY, 'text') as (text: string) => string[];

// Per-pool parsers (not the process-global pg.types) so int8 reads as number, as on PGlite.
const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === PG_TYPE.INT8) return parseInt8;
    if (oid === PG_TYPE.INT8_ARRAY) return (text: string) => parseInt8Array(text).map(parseInt8);
    return defaultParser(oid, format ?? 'text');
  },
} as pg.CustomTypesConfig;

function toResult<R>(result: pg.QueryResult): QueryResult<R> {
  return { rows: result.rows as R[], rowCount: result.rowCount ?? result.rows.length };
}

/** A query config that names hot statements (prepared once per connection). */
function statement(names: StatementNames, sql: string, params: readonly unknown[]): pg.QueryConfig {
  return { text: sql, values: params as unknown[], name: names.nameFor(sql, params.length) };
}

function runnerOn(client: pg.PoolClient, names: StatementNames): ScriptRunner {
  return {
    query: async <R>(sql: string, params: readonly unknown[] = []) =>
      toResult<R>(await client.query(statement(names, sql, params))),
    exec: async (sql: string) => {
      await client.query(sql);
    },
  };
}

class PostgresDriver implements Driver {
  readonly kind = 'postgres' as const;
  private readonly names = new StatementNames();

  constructor(
    private readonly pool: pg.Pool,
    private readonly retry: RefusedConnectionRetry,
  ) {
    // An idle client that dies (server restart) is dropped by the pool; without a
    // listener the 'error' event would crash the process.
    pool.on('error', () => undefined);
  }

  async query<R>(sql: string, params: readonly unknown[]): Promise<QueryResult<R>> {
    const config = statement(this.names, sql, params);
    return toResult<R>(await retryRefusedConnection(() => this.pool.query(config), this.retry));
  }

  async exec(sql: string): Promise<void> {
    await retryRefusedConnection(() => this.pool.query(sql), this.retry);
  }

  async begin<T>(fn: (conn: ScriptRunner) => Promise<T>): Promise<T> {
    const client = await retryRefusedConnection(() => this.pool.connect(), this.retry);
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await fn(runnerOn(client, this.names));
      // COMMIT of a transaction aborted by an error that fn caught answers ROLLBACK
      // without an error: surface it, as PGlite does, instead of reporting success.
      const commit = await client.query('COMMIT');
      if (commit.command === 'ROLLBACK') throw new Error('transaction was aborted by an earlier error and rolled back');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackErr) {
        broken = rollbackErr as Error; // the connection is unusable: destroy it, don't reuse it
      }
      throw err;
    } finally {
      client.release(broken);
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }

  poolStats(): PoolStats {
    return { total: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount };
  }
}

/** A Database over a `pg` Pool. */
export function openPostgres(options: PostgresOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    user: options.user,
    password: options.password,
    host: options.host,
    port: options.port,
    database: options.database,
    min: options.min,
    max: options.max ?? 10,
    idleTimeoutMillis: options.idleTimeoutMs,
    ...(options.applicationName ? { application_name: options.applicationName } : {}),
    types: typeParsers,
  });
  return new ScopedDatabase(new PostgresDriver(pool, { ...REFUSED_CONNECTION_RETRY, logger: options.logger }));
}
