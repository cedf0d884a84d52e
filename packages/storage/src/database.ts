/**
 * The one storage interface (ARCHITECTURE.md §3): everything above this file
 * speaks plain PostgreSQL SQL with $1-style parameters, and runs unchanged on
 * the `pg` Pool driver and on the embedded PGlite driver.
 *
 * Value conventions, identical on both drivers:
 *
 * Parameters
 *  - string, number, boolean, null (undefined is sent as NULL).
 *  - bigint → int8 (send positions/timestamps as number or bigint, both work).
 *  - Buffer / Uint8Array → bytea.
 *  - JS arrays of scalars → PostgreSQL arrays (`= ANY($1::text[])`).
 *  - JSON (json/jsonb columns): ALWAYS pass `JSON.stringify(value)` and cast
 *    (`$1::jsonb`). Never pass a plain object or array for JSON: `pg` would turn
 *    an array into a PostgreSQL array literal.
 *
 * Results
 *  - int8 (bigint, bigserial, count(*)) → JS number. Every int8 we store (stream
 *    positions, depths, millisecond timestamps, ids) is below 2^53; a larger
 *    value throws RangeError instead of silently losing precision. int8[] → number[].
 *  - json/jsonb → parsed JSON value.  bytea → Buffer.  numeric → string.
 *  - Errors from PostgreSQL carry the SQLSTATE in `code` (see sqlStateOf).
 *
 * Transactions: while `transaction(fn)` runs, any call on the same Database made
 * from inside fn's async context (db.query, db.transaction, stores that were given
 * the outer db) runs on the transaction's connection; a nested transaction()
 * becomes a SAVEPOINT. This keeps single-connection PGlite from deadlocking and
 * gives both drivers the same read-your-own-writes semantics.
 */
export interface QueryResult<R> {
  rows: R[];
  /** Rows affected by INSERT/UPDATE/DELETE, or returned by SELECT. */
  rowCount: number;
}

export interface Queryable {
  /** One SQL statement with $1-style parameters. */
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
}

/** A Queryable that can also run a parameterless multi-statement script (migrations). */
export interface ScriptRunner extends Queryable {
  exec(sql: string): Promise<void>;
}

/** A connection pool's state, for the DB pool metrics. */
export interface PoolStats {
  /** Connections open. */
  total: number;
  /** Open connections not in use. */
  idle: number;
  /** Queries and transactions waiting for a connection. */
  waiting: number;
}

export interface Database extends ScriptRunner {
  /** Runs fn inside BEGIN … COMMIT on one connection; any throw rolls back and rethrows. */
  transaction<T>(fn: (tx: ScriptRunner) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  readonly kind: 'postgres' | 'pglite';
  /** The pool's connections now (absent on test doubles). */
  poolStats?(): PoolStats;
}
