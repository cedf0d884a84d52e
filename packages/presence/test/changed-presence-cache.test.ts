/** One presence change wakes many syncs: they share one read of the window (changed-presence-cache.ts). */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type Database, type Queryable } from '@lattice/storage';
import { ChangedPresenceCache } from '../src/presence/changed-presence-cache.js';

describe('ChangedPresenceCache', () => {
  let db: Database;
  beforeAll(async () => {
    db = await createTestDatabase('pglite');
    await db.query(
      `INSERT INTO presence (user_id, state, status_msg, last_active_ts, last_user_sync_ts, currently_active, stream_id)
       VALUES ('@a:x', 'online', NULL, 1, 1, true, 5), ('@b:x', 'unavailable', 'away', 1, 1, false, 9)`,
    );
  });
  afterAll(() => db.close());

  it('reads a window once for all concurrent askers, and each window separately', async () => {
    let queries = 0;
    const counting: Queryable = {
      query: (text, params) => {
        queries++;
        return db.query(text, params);
      },
    };
    // What one asker costs …
    await new ChangedPresenceCache(counting).between(0, 10);
    const perWindow = queries;
    expect(perWindow).toBeGreaterThan(0);
    // … is what a hundred concurrent askers cost together.
    queries = 0;
    const cache = new ChangedPresenceCache(counting);
    const answers = await Promise.all(Array.from({ length: 100 }, () => cache.between(0, 10)));
    expect(queries).toBe(perWindow);
    expect(answers.every((rows) => rows.map((r) => r.userId).sort().join() === '@a:x,@b:x')).toBe(true);
    expect(answers[0]!.find((r) => r.userId === '@b:x')).toMatchObject({ state: 'unavailable', statusMsg: 'away', rooms: [] });
    expect((await cache.between(5, 10)).map((r) => r.userId)).toEqual(['@b:x']);
    expect(queries).toBe(2 * perWindow);
  });
});
