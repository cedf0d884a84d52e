/**
 * BackingOffOrigins, the cheap check every authenticated request passes: the
 * backing-off destinations are read at most once per refresh interval however
 * many requests arrive, a request from one of them wakes it once, and others
 * wake nothing.
 */
import { jest } from '@jest/globals';
import { createLogger } from '@lattice/core';
import { createTestDatabase, migrate, type Database } from '@lattice/storage';
import { BackingOffOrigins } from '../../src/inbound/backing-off-origins.js';

const REFRESH_MS = 1_000;

describe('BackingOffOrigins', () => {
  let db: Database;
  beforeAll(async () => {
    db = await createTestDatabase('pglite');
    await migrate(db);
    await db.query(
      `INSERT INTO federation_destinations (destination, retry_after_ts, retry_interval_ms) VALUES ('down.test', 9e12, 60000), ('up.test', 0, 0)`,
    );
  });
  afterAll(() => db?.close());

  test('wakes a backing-off origin once per interval, reads the table once per interval, ignores the others', async () => {
    let now = 1_000;
    const woken: string[] = [];
    const reads = jest.spyOn(db, 'query');
    // This wake does not end the backoff: only the interval stops a second one.
    const origins = new BackingOffOrigins(db, async (d) => void woken.push(d), createLogger({ level: 'fatal', role: 'test' }), { refreshMs: REFRESH_MS, clock: () => now });
    // The reads started so far have answered and what follows them (the checks, the wakes) has run:
    // waiting on the reads themselves, not on a fixed time a loaded CI machine can overrun.
    const settle = async () => {
      await Promise.allSettled(reads.mock.results.map((r) => r.value));
      await new Promise((r) => setImmediate(r));
    };

    for (let i = 0; i < 5; i++) {
      origins.heardFrom('down.test');
      origins.heardFrom('up.test');
      origins.heardFrom('never-tried.test');
    }
    await settle();
    expect(woken).toEqual(['down.test']);
    expect(reads).toHaveBeenCalledTimes(1);

    now += REFRESH_MS - 1;
    origins.heardFrom('down.test');
    await settle();
    expect(woken).toEqual(['down.test']);
    expect(reads).toHaveBeenCalledTimes(1);

    // Still backing off an interval later (its last try failed again): woken again.
    now += 1;
    origins.heardFrom('down.test');
    origins.heardFrom('down.test');
    await settle();
    expect(woken).toEqual(['down.test', 'down.test']);
    expect(reads).toHaveBeenCalledTimes(2);
    reads.mockRestore();
  });
});
