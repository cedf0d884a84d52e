/**
 * Hot statements on PGlite as named prepared statements, as the `pg` driver
 * names them for PostgreSQL (statement-names.ts). PGlite's query() parses and
 * plans every statement afresh, in five calls into the database, so the
 * embedded database paid a statement's planning on every call: for a sync's
 * unread count, 3 ms of planning per 0.5 ms of execution. A named statement is
 * parsed once; each call binds, describes its portal (the row shape, for
 * PGlite's own result parsing), executes and syncs, in one call. PostgreSQL
 * then settles on a generic plan as it does for the `pg` driver.
 *
 * Statements run while the caller holds PGlite's query lock, as its own
 * query() does; parameters are serialised and rows parsed with the instance's
 * serializers and parsers, so results are the same as query()'s.
 */
import { parse, protocol, type PGlite, type Results } from '@electric-sql/pglite';
import { StatementNames } from './statement-names.js';

const { serialize } = protocol;

export class PglitePreparedStatements {
  private readonly names = new StatementNames();
  /** Prepared statement name → its parameters' type OIDs. */
  private readonly paramTypes = new Map<string, number[]>();

  constructor(private readonly pglite: PGlite) {}

  /** The statement's name once it is hot, else undefined: run it unnamed. */
  nameFor(sql: string, params: readonly unknown[]): string | undefined {
    return this.names.nameFor(sql, params.length);
  }

  /**
   * Runs `sql` as the named statement `name` (preparing it the first time); the caller holds the query lock.
   * `syncToFs`: write the database files through at the end, as a statement outside a transaction does.
   */
  async run<R>(name: string, sql: string, params: readonly unknown[], syncToFs: boolean): Promise<Results<R>> {
    const types = this.paramTypes.get(name) ?? (await this.prepare(name, sql));
    const values = params.map((value, i) => {
      if (value === null || value === undefined) return null;
      const serializer = this.pglite.serializers[types[i]!];
      return serializer ? serializer(value) : String(value as string);
    });
    const { messages } = await this.pglite.execProtocol(
      concat(serialize.bind({ statement: name, values }), serialize.describe({ type: 'P' }), serialize.execute({}), serialize.sync()),
      { syncToFs },
    );
    return parse.parseResults(messages, this.pglite.parsers)[0] as Results<R>;
  }

  private async prepare(name: string, sql: string): Promise<number[]> {
    const { messages } = await this.pglite.execProtocol(
      concat(serialize.parse({ name, text: sql, types: [] }), serialize.describe({ type: 'S', name }), serialize.sync()),
      { syncToFs: false },
    );
    const types = parse.parseDescribeStatementResults(messages);
    this.paramTypes.set(name, types);
    return types;
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
