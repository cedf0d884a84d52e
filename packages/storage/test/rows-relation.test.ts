/** rowsRelation over real PostgreSQL: one row as plain parameters and several as arrays read back the same. */
import { createTestDatabase, rowsRelation, type Database } from '../src/index.js';

let db: Database;
beforeAll(async () => {
  db = await createTestDatabase('postgres');
});
afterAll(() => db.close());

const read = async (rows: Array<[string, number, boolean]>) => {
  const relation = rowsRelation(2, [['text', rows.map((r) => r[0])], ['bigint', rows.map((r) => r[1])], ['boolean', rows.map((r) => r[2])]]);
  const { rows: out } = await db.query<{ a: string; b: number; c: boolean; tag: string }>(
    `SELECT w.a, w.b, w.c, $1::text AS tag FROM ${relation.sql} AS w (a, b, c)`,
    ['t', ...relation.params],
  );
  return { sql: relation.sql, out };
};

test('one row comes as plain parameters, several as unnest() of arrays, none as empty arrays', async () => {
  const one = await read([['x', 7, true]]);
  expect(one.sql).toBe('(SELECT $2::text, $3::bigint, $4::boolean)');
  expect(one.out).toEqual([{ a: 'x', b: 7, c: true, tag: 't' }]);
  const several = await read([['x', 7, true], ['y', 8, false]]);
  expect(several.sql).toBe('unnest($2::text[], $3::bigint[], $4::boolean[])');
  expect(several.out).toEqual([{ a: 'x', b: 7, c: true, tag: 't' }, { a: 'y', b: 8, c: false, tag: 't' }]);
  expect((await read([])).out).toEqual([]);
});
