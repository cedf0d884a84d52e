/**
 * A connection PostgreSQL refuses (too many clients) is tried again for a
 * while instead of failing the query: a momentary shortage made a sync
 * worker answer its first /sync with a 500 in a loaded CI run.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPostgres, testPostgresUrl } from '@lattice/storage';
import { isRefusedConnection, retryRefusedConnection } from '../src/drivers/refused-connections.js';

const refusal = () => Object.assign(new Error('sorry, too many clients already'), { code: '53300' });
const quick = { budgetMs: 60_000, firstDelayMs: 1, maxDelayMs: 2 };

describe('retryRefusedConnection', () => {
  test('connects again after refusals', async () => {
    let calls = 0;
    const result = await retryRefusedConnection(async () => {
      if (++calls < 3) throw refusal();
      return 'connected';
    }, quick);
    expect(result).toBe('connected');
    expect(calls).toBe(3);
  });

  test('other errors reach the caller at once', async () => {
    let calls = 0;
    const syntax = Object.assign(new Error('syntax error'), { code: '42601' });
    await expect(
      retryRefusedConnection(async () => {
        calls++;
        throw syntax;
      }, quick),
    ).rejects.toBe(syntax);
    expect(calls).toBe(1);
  });

  test('a refusal past the budget reaches the caller', async () => {
    const refused = refusal();
    await expect(
      retryRefusedConnection(async () => {
        throw refused;
      }, { ...quick, budgetMs: 0 }),
    ).rejects.toBe(refused);
  });

  test('refusals are too_many_connections and cannot_connect_now', () => {
    expect(isRefusedConnection(refusal())).toBe(true);
    expect(isRefusedConnection({ code: '57P03' })).toBe(true);
    expect(isRefusedConnection({ code: '57P01' })).toBe(false);
    expect(isRefusedConnection(undefined)).toBe(false);
  });
});

describe('openPostgres with PostgreSQL short of connections', () => {
  // A role's CONNECTION LIMIT refuses as max_connections does (53300), without starving the other suites.
  const role = `lattice_limited_${randomBytes(4).toString('hex')}`;
  let admin: pg.Client;
  let url: string;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: testPostgresUrl() });
    await admin.connect();
    await admin.query(`CREATE ROLE ${role} LOGIN CONNECTION LIMIT 1`);
    const u = new URL(testPostgresUrl());
    u.username = role;
    u.password = '';
    url = u.toString();
  });

  afterAll(async () => {
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.end();
  });

  test.each(['query', 'transaction'] as const)('a %s waits for a connection slot instead of failing', async (kind) => {
    // The role's one slot is taken; it frees once the driver has been refused (and said so).
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    let refused = 0;
    const logger = {
      warn: () => {
        if (++refused === 1) void holder.end();
      },
    };
    const db = openPostgres({ connectionString: url, max: 1, logger });
    try {
      const { rows } =
        kind === 'query'
          ? await db.query<{ n: number }>('SELECT $1::int AS n', [7])
          : await db.transaction((tx) => tx.query<{ n: number }>('SELECT $1::int AS n', [7]));
      expect(rows).toEqual([{ n: 7 }]);
      expect(refused).toBe(1);
    } finally {
      await db.close();
      if (refused === 0) await holder.end();
    }
  });
});
