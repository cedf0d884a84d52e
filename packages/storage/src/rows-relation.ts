/**
 * Rows passed column by column as one relation for a FROM clause:
 * `FROM ${relation.sql} AS w (a, b, …)`. One row comes as plain parameters,
 * several as unnest() of one array per column.
 *
 * Why not always arrays: only a custom plan knows an array's length, so for a
 * prepared statement PostgreSQL may keep planning afresh on every call. It did
 * for a sync's reads of one room: 0.2–0.3 ms of planning per call against
 * 0.01–0.05 ms of execution (pg_stat_statements). With plain values it settles
 * on one generic plan. The two forms are two statement texts, each prepared
 * once per connection.
 */
export type ColumnType = 'text' | 'bigint' | 'boolean';

export interface RowsRelation {
  sql: string;
  params: unknown[];
}

/** `columns`: each column's type and values (all of one length); parameters from $`firstParam` on. */
export function rowsRelation(firstParam: number, columns: ReadonlyArray<readonly [ColumnType, readonly unknown[]]>): RowsRelation {
  const parameter = (i: number, type: string) => `$${firstParam + i}::${type}`;
  if (columns[0]?.[1].length === 1) {
    return {
      sql: `(SELECT ${columns.map(([type], i) => parameter(i, type)).join(', ')})`,
      params: columns.map(([, values]) => values[0]),
    };
  }
  return {
    sql: `unnest(${columns.map(([type], i) => parameter(i, `${type}[]`)).join(', ')})`,
    params: columns.map(([, values]) => values),
  };
}
