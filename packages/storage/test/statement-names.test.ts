import { StatementNames } from '../src/drivers/statement-names.js';
import { createTestDatabase } from '@lattice/storage';

describe('StatementNames', () => {
  test('names a parameterised text from its third run on, and always the same', () => {
    const names = new StatementNames();
    const sql = 'SELECT $1::int';
    expect(names.nameFor(sql, 1)).toBeUndefined();
    expect(names.nameFor(sql, 1)).toBeUndefined();
    const name = names.nameFor(sql, 1);
    expect(name).toBeDefined();
    expect(names.nameFor(sql, 1)).toBe(name);
    expect(names.nameFor('SELECT $1::text', 1)).toBeUndefined();
  });

  test('never names a text without parameters (it may be a multi-statement script)', () => {
    const names = new StatementNames();
    for (let i = 0; i < 5; i++) expect(names.nameFor('SELECT 1; SELECT 2', 0)).toBeUndefined();
  });

  test('named statements give the same answers as unnamed ones, in and out of transactions (PostgreSQL)', async () => {
    const db = await createTestDatabase('postgres');
    try {
      for (let i = 0; i < 6; i++) {
        const { rows } = await db.query<{ n: number; s: string }>('SELECT $1::int8 AS n, $2::text AS s', [i, `v${i}`]);
        expect(rows).toEqual([{ n: i, s: `v${i}` }]);
        const inTx = await db.transaction((tx) => tx.query<{ n: number }>('SELECT $1::int8 + 1 AS n', [i]));
        expect(inTx.rows).toEqual([{ n: i + 1 }]);
      }
    } finally {
      await db.close();
    }
  });
});
