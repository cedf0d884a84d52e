/**
 * A server's PostgreSQL pool (homeserver.yaml's database section) keeps a
 * connection it no longer needs for minutes, not pg-pool's default 10 s: the
 * connections of a load spike are still there for the next burst, instead of
 * being opened again as new backends (fork, authentication, cold caches,
 * every hot statement prepared anew).
 */
import { jest } from '@jest/globals';
import { openDatabase, testPostgresUrl, type Database } from '@lattice/storage';

// Only the pool's idle timers are faked: connections and their I/O run for real.
const POOL_TIMERS_ONLY: Parameters<typeof jest.useFakeTimers>[0] = { doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'hrtime', 'performance'] };

async function serverPool(args: { cp_min?: number; cp_max: number }): Promise<Database> {
  return openDatabase({ name: 'postgres', args: { connection_string: testPostgresUrl(), ...args } }, '/unused');
}

/** Makes the pool open `n` connections, all idle once this resolves. */
async function useConnections(db: Database, n: number): Promise<void> {
  await Promise.all(Array.from({ length: n }, () => db.query('SELECT pg_sleep(0.05)')));
}

/** Open connections of the pool, and those of them idle. */
function connections(db: Database): { total: number; idle: number } {
  const { total, idle } = db.poolStats!();
  return { total, idle };
}

test("an idle connection outlives pg-pool's 10 s default, and is closed once idle for minutes", async () => {
  jest.useFakeTimers(POOL_TIMERS_ONLY);
  const db = await serverPool({ cp_max: 2 });
  try {
    await useConnections(db, 2);
    expect(connections(db)).toEqual({ total: 2, idle: 2 });
    jest.advanceTimersByTime(60_000);
    expect(connections(db)).toEqual({ total: 2, idle: 2 });
    jest.advanceTimersByTime(5 * 60_000);
    expect(connections(db).total).toBe(0);
  } finally {
    jest.useRealTimers();
    await db.close();
  }
});

test('connections up to cp_min stay open however long they are idle', async () => {
  jest.useFakeTimers(POOL_TIMERS_ONLY);
  const db = await serverPool({ cp_min: 1, cp_max: 2 });
  try {
    await useConnections(db, 2);
    jest.advanceTimersByTime(60 * 60_000);
    expect(connections(db)).toEqual({ total: 1, idle: 1 });
  } finally {
    jest.useRealTimers();
    await db.close();
  }
});
