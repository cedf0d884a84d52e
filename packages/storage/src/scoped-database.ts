import { AsyncLocalStorage } from 'node:async_hooks';
import type { Database, PoolStats, QueryResult, ScriptRunner } from './database.js';

/** What a driver provides; ScopedDatabase adds transaction scoping on top. */
export interface Driver {
  readonly kind: Database['kind'];
  /** A statement outside any transaction. */
  query<R>(sql: string, params: readonly unknown[]): Promise<QueryResult<R>>;
  exec(sql: string): Promise<void>;
  /** BEGIN … COMMIT on one connection, ROLLBACK and rethrow when fn throws. */
  begin<T>(fn: (conn: ScriptRunner) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  poolStats(): PoolStats;
}

interface Scope {
  conn: ScriptRunner;
  /** Savepoint nesting level: 0 for the transaction itself. */
  depth: number;
  open: boolean;
  parent: Scope | undefined;
  /** Serialises sibling savepoints so they never interleave on the one connection. */
  tail: Promise<unknown>;
}

function isOpen(scope: Scope | undefined): boolean {
  for (let s = scope; s; s = s.parent) if (!s.open) return false;
  return scope !== undefined;
}

/**
 * A Database over a Driver. Calls made on the Database from inside a
 * transaction's async context are routed to that transaction's connection (a
 * nested transaction() becomes a SAVEPOINT), so code handed the outer db can
 * run inside a caller's transaction, and PGlite (one connection) never waits on
 * itself. Work that outlives the transaction (fire-and-forget) falls back to the
 * pool once the transaction has ended.
 */
export class ScopedDatabase implements Database {
  readonly kind: Database['kind'];
  private readonly scopes = new AsyncLocalStorage<Scope>();

  constructor(private readonly driver: Driver) {
    this.kind = driver.kind;
  }

  query<R = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
    const scope = this.activeScope();
    return scope ? scope.conn.query<R>(sql, params) : this.driver.query<R>(sql, params);
  }

  exec(sql: string): Promise<void> {
    const scope = this.activeScope();
    return scope ? scope.conn.exec(sql) : this.driver.exec(sql);
  }

  transaction<T>(fn: (tx: ScriptRunner) => Promise<T>): Promise<T> {
    const outer = this.activeScope();
    if (outer) return this.savepoint(outer, fn);
    return this.driver.begin((conn) => this.runInScope(conn, 0, undefined, fn));
  }

  close(): Promise<void> {
    return this.driver.close();
  }

  poolStats(): PoolStats {
    return this.driver.poolStats();
  }

  private activeScope(): Scope | undefined {
    const scope = this.scopes.getStore();
    return isOpen(scope) ? scope : undefined;
  }

  private async savepoint<T>(outer: Scope, fn: (tx: ScriptRunner) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const name = `lattice_sp_${outer.depth + 1}`;
      await outer.conn.query(`SAVEPOINT ${name}`);
      try {
        const result = await this.runInScope(outer.conn, outer.depth + 1, outer, fn);
        await outer.conn.query(`RELEASE SAVEPOINT ${name}`);
        return result;
      } catch (err) {
        await outer.conn.query(`ROLLBACK TO SAVEPOINT ${name}`);
        throw err;
      }
    };
    const result = outer.tail.then(run, run);
    outer.tail = result.catch(() => undefined);
    return result;
  }

  private async runInScope<T>(
    conn: ScriptRunner,
    depth: number,
    parent: Scope | undefined,
    fn: (tx: ScriptRunner) => Promise<T>,
  ): Promise<T> {
    const scope: Scope = { conn, depth, open: true, parent, tail: Promise.resolve() };
    // The handle given to fn refuses use after the transaction ended: the pg
    // connection behind it may already serve someone else.
    const guard = (): void => {
      if (!isOpen(scope)) throw new Error('transaction is closed');
    };
    const tx: ScriptRunner = {
      query: async <R>(sql: string, params?: readonly unknown[]) => {
        guard();
        return conn.query<R>(sql, params);
      },
      exec: async (sql: string) => {
        guard();
        return conn.exec(sql);
      },
    };
    try {
      return await this.scopes.run(scope, () => fn(tx));
    } finally {
      scope.open = false;
    }
  }
}
