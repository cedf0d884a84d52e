import { createTestDatabase, sqlStateOf, SQLSTATE, type Database } from '@lattice/storage';

describe.each(['postgres', 'pglite'] as const)('Database on %s', (kind) => {
  let db: Database;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    await db.exec(`
      CREATE TABLE t_values (
        id SERIAL PRIMARY KEY, s TEXT, i INT, b BIGINT, j JSONB, bin BYTEA, flag BOOLEAN,
        tags TEXT[], nums BIGINT[]
      );
      CREATE TABLE t_items (name TEXT PRIMARY KEY);`);
  });
  afterAll(() => db.close());
  beforeEach(() => db.query('TRUNCATE t_items'));

  test('kind names the driver', () => {
    expect(db.kind).toBe(kind);
  });

  test('parameters and results round-trip with the same JS types', async () => {
    const json = { a: [1, 'two', { three: null }], é: 'ü' };
    const { rows } = await db.query(
      `INSERT INTO t_values (s, i, b, j, bin, flag, tags, nums)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8) RETURNING s, i, b, j, bin, flag, tags, nums`,
      ['it\'s "text" 🙂', 42, 9_007_199_254_740_991n, JSON.stringify(json), Buffer.from([0, 1, 254, 255]), true, ['x', 'y'], [1, 2 ** 40]],
    );
    expect(rows[0]).toEqual({
      s: 'it\'s "text" 🙂',
      i: 42,
      b: 9_007_199_254_740_991,
      j: json,
      bin: Buffer.from([0, 1, 254, 255]),
      flag: true,
      tags: ['x', 'y'],
      nums: [1, 2 ** 40],
    });
    expect(Buffer.isBuffer(rows[0]!.bin)).toBe(true);
  });

  test('null and undefined parameters are NULL', async () => {
    const { rows } = await db.query('SELECT $1::text AS a, $2::bigint AS b, $3::jsonb AS c', [null, undefined, null]);
    expect(rows[0]).toEqual({ a: null, b: null, c: null });
  });

  test('a JSON array or string passed as text lands as JSON, not as a PostgreSQL array', async () => {
    const { rows } = await db.query<{ arr: unknown; str: unknown; t: string }>(
      'SELECT $1::jsonb AS arr, $2::jsonb AS str, jsonb_typeof($1::jsonb) AS t',
      [JSON.stringify([1, 2]), JSON.stringify('s')],
    );
    expect(rows[0]).toEqual({ arr: [1, 2], str: 's', t: 'array' });
  });

  test('count(*) and bigint read as numbers; unsafe int8 refuses to lose precision', async () => {
    const { rows } = await db.query<{ n: number }>('SELECT count(*) AS n FROM generate_series(1, 3)');
    expect(rows[0]!.n).toBe(3);
    await expect(db.query('SELECT 9007199254740993::int8 AS big')).rejects.toThrow(RangeError);
  });

  test('= ANY($1) takes a JS array', async () => {
    await db.query("INSERT INTO t_items VALUES ('a'), ('b'), ('c')");
    const { rows } = await db.query<{ name: string }>('SELECT name FROM t_items WHERE name = ANY($1::text[]) ORDER BY name', [['a', 'c', 'z']]);
    expect(rows.map((r) => r.name)).toEqual(['a', 'c']);
  });

  test('rowCount counts affected and returned rows', async () => {
    expect((await db.query("INSERT INTO t_items VALUES ('a'), ('b')")).rowCount).toBe(2);
    expect((await db.query("UPDATE t_items SET name = name || '!' WHERE name = 'a'")).rowCount).toBe(1);
    expect((await db.query("DELETE FROM t_items WHERE name = 'nope'")).rowCount).toBe(0);
    expect((await db.query('SELECT * FROM t_items')).rowCount).toBe(2);
  });

  test('errors carry the SQLSTATE', async () => {
    await db.query("INSERT INTO t_items VALUES ('dup')");
    const err = await db.query("INSERT INTO t_items VALUES ('dup')").catch((e: unknown) => e);
    expect(sqlStateOf(err)).toBe(SQLSTATE.UNIQUE_VIOLATION);
  });

  test('a transaction commits everything it wrote', async () => {
    const result = await db.transaction(async (tx) => {
      await tx.query("INSERT INTO t_items VALUES ('one')");
      await tx.query("INSERT INTO t_items VALUES ('two')");
      return 'done';
    });
    expect(result).toBe('done');
    expect((await db.query('SELECT name FROM t_items ORDER BY name')).rows).toEqual([{ name: 'one' }, { name: 'two' }]);
  });

  test('a throw inside a transaction writes nothing and rethrows', async () => {
    const boom = new Error('boom');
    await expect(
      db.transaction(async (tx) => {
        await tx.query("INSERT INTO t_items VALUES ('ghost')");
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect((await db.query('SELECT name FROM t_items')).rowCount).toBe(0);
  });

  test('an error swallowed inside a transaction still fails the commit, writing nothing', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.query("INSERT INTO t_items VALUES ('lost')");
        await tx.query('SELECT no_such_column FROM t_items').catch(() => undefined);
      }),
    ).rejects.toThrow(/rolled back|aborted/i);
    expect((await db.query('SELECT name FROM t_items')).rowCount).toBe(0);
  });

  test('the outer db used inside a transaction runs in it (no deadlock, sees its writes, rolls back with it)', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.query("INSERT INTO t_items VALUES ('inner')");
        const seen = await db.query('SELECT name FROM t_items');
        expect(seen.rows).toEqual([{ name: 'inner' }]);
        await db.query("INSERT INTO t_items VALUES ('via-outer')");
        throw new Error('roll back both');
      }),
    ).rejects.toThrow('roll back both');
    expect((await db.query('SELECT name FROM t_items')).rowCount).toBe(0);
  });

  test('a nested transaction is a savepoint: its failure undoes only its own writes', async () => {
    await db.transaction(async (tx) => {
      await tx.query("INSERT INTO t_items VALUES ('kept')");
      await expect(
        db.transaction(async (inner) => {
          await inner.query("INSERT INTO t_items VALUES ('undone')");
          throw new Error('inner fails');
        }),
      ).rejects.toThrow('inner fails');
      await db.transaction((inner) => inner.query("INSERT INTO t_items VALUES ('nested-ok')"));
    });
    expect((await db.query('SELECT name FROM t_items ORDER BY name')).rows).toEqual([{ name: 'kept' }, { name: 'nested-ok' }]);
  });

  test('sibling nested transactions started together do not interleave', async () => {
    await db.transaction(async () => {
      await Promise.all(
        ['p', 'q', 'r'].map((name) =>
          db
            .transaction(async (inner) => {
              await inner.query('INSERT INTO t_items VALUES ($1)', [name]);
              if (name === 'q') throw new Error('q fails');
            })
            .catch(() => undefined),
        ),
      );
    });
    expect((await db.query('SELECT name FROM t_items ORDER BY name')).rows).toEqual([{ name: 'p' }, { name: 'r' }]);
  });

  test('a statement from outside never observes a transaction half-done', async () => {
    let inserted!: () => void;
    let release!: () => void;
    const insertedOne = new Promise<void>((r) => (inserted = r));
    const gate = new Promise<void>((r) => (release = r));
    const tx = db.transaction(async (t) => {
      await t.query("INSERT INTO t_items VALUES ('first')");
      inserted();
      await gate;
      await t.query("INSERT INTO t_items VALUES ('second')");
    });
    await insertedOne;
    let settled = false;
    const outside = db.query('SELECT name FROM t_items').then((r) => ((settled = true), r.rowCount));
    if (kind === 'postgres') {
      // Another connection reads the last committed snapshot, while the transaction is still open.
      expect(await outside).toBe(0);
      release();
      await tx;
      return;
    }
    // PGlite's single connection queues the read until the whole transaction is done.
    await new Promise((r) => setTimeout(r, 50));
    const settledBeforeCommit = settled;
    release();
    await tx;
    expect([settledBeforeCommit, await outside]).toEqual([false, 2]);
  });

  test('a transaction handle refuses use after the transaction ended', async () => {
    let leaked!: Parameters<Parameters<Database['transaction']>[0]>[0];
    await db.transaction(async (tx) => {
      leaked = tx;
    });
    await expect(leaked.query('SELECT 1')).rejects.toThrow('transaction is closed');
  });

  test('concurrent top-level transactions both commit', async () => {
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => db.transaction((tx) => tx.query('INSERT INTO t_items VALUES ($1)', [`c${i}`]))),
    );
    expect((await db.query('SELECT name FROM t_items')).rowCount).toBe(8);
  });
});
