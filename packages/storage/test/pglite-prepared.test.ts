/**
 * Hot statements on PGlite run as named prepared statements
 * (pglite-prepared.ts): the same rows and errors as PGlite's own query(), the
 * same isolation (a statement outside a transaction waits for it; one inside
 * sees its writes), and the statement is really prepared once.
 */
import { createTestDatabase, type Database } from '@lattice/storage';

let db: Database;

beforeAll(async () => {
  db = await createTestDatabase('pglite');
  await db.exec('CREATE TABLE prepared_t (id bigint PRIMARY KEY, label text, flag boolean, tags text[], counts bigint[], data bytea, doc jsonb)');
});

afterAll(() => db.close());

const ROW_SQL = 'SELECT id, label, flag, tags, counts, data, doc FROM prepared_t WHERE id = $1';

test('rows come back typed as from an unnamed statement, every time', async () => {
  await db.query('INSERT INTO prepared_t VALUES ($1, $2, $3, $4, $5, $6, $7)', [1, 'one', true, ['a', 'b'], [5, 6], Buffer.from([1, 2, 3]), { k: [1] }]);
  await db.query('INSERT INTO prepared_t VALUES ($1, $2, $3, $4, $5, $6, $7)', [2, null, false, [], [], null, null]);
  for (let i = 0; i < 6; i++) {
    const one = await db.query(ROW_SQL, [1]);
    expect(one.rows).toEqual([{ id: 1, label: 'one', flag: true, tags: ['a', 'b'], counts: [5, 6], data: Buffer.from([1, 2, 3]), doc: { k: [1] } }]);
    const two = await db.query(ROW_SQL, [2]);
    expect(two.rows).toEqual([{ id: 2, label: null, flag: false, tags: [], counts: [], data: null, doc: null }]);
  }
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement = $1`, [ROW_SQL]);
  expect(rows).toEqual([{ n: 1 }]);
});

test('writes report their row counts, and errors their codes, leaving the database usable', async () => {
  const update = 'UPDATE prepared_t SET label = $2 WHERE id <= $1';
  for (let i = 0; i < 5; i++) expect((await db.query(update, [2, `l${i}`])).rowCount).toBe(2);
  const insert = 'INSERT INTO prepared_t (id, label) VALUES ($1, $2)';
  for (let i = 10; i < 14; i++) await db.query(insert, [i, 'x']);
  await expect(db.query(insert, [10, 'again'])).rejects.toMatchObject({ code: '23505' });
  await expect(db.query(insert, ['not a number', 'x'])).rejects.toMatchObject({ code: '22P02' });
  expect((await db.query<{ label: string }>(ROW_SQL, [10])).rows[0]!.label).toBe('x');
});

test('inside a transaction a statement sees its writes; outside, it waits for the transaction to end', async () => {
  const count = 'SELECT count(*)::int AS n FROM prepared_t WHERE id >= $1';
  for (let i = 0; i < 4; i++) await db.query(count, [100]);
  let begun!: () => void;
  const started = new Promise<void>((resolve) => (begun = resolve));
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const transaction = db.transaction(async (tx) => {
    await tx.query('INSERT INTO prepared_t (id) VALUES ($1)', [100]);
    for (let i = 0; i < 4; i++) expect((await tx.query(count, [100])).rows).toEqual([{ n: 1 }]);
    begun();
    await gate;
    await tx.query('INSERT INTO prepared_t (id) VALUES ($1)', [101]);
  });
  await started;
  // From outside the transaction's async context: had it not waited, it would have run by now and seen one row.
  const outside = db.query(count, [100]).then((r) => r.rows);
  await new Promise((resolve) => setTimeout(resolve, 50));
  release();
  await transaction;
  expect(await outside).toEqual([{ n: 2 }]);
});

test('a failed statement inside a transaction rolls all of it back', async () => {
  const insert = 'INSERT INTO prepared_t (id, label) VALUES ($1, $2)';
  await expect(
    db.transaction(async (tx) => {
      await tx.query(insert, [200, 'kept?']);
      await tx.query(insert, [200, 'duplicate']);
    }),
  ).rejects.toMatchObject({ code: '23505' });
  expect((await db.query(ROW_SQL, [200])).rows).toEqual([]);
});
