/**
 * Unread counts straight from the notification tables (real PostgreSQL), for
 * one room and for several, and the one-room statement's plan: PostgreSQL
 * keeps a generic plan for it instead of planning each call anew (planning
 * cost twenty times the count itself when it did).
 */
import { createTestDatabase, type Database } from '@lattice/storage';
import { UnreadCounter } from '../src/notifications/unread-counts.js';

let db: Database;
const bob = '@bob:test';

beforeAll(async () => {
  db = await createTestDatabase('postgres');
  const rows: Array<[string, number, string, boolean, boolean]> = [
    ['!a:test', 1, '@alice:test', true, false],
    ['!a:test', 2, '@alice:test', true, true],
    ['!a:test', 3, bob, true, false], // one's own: never counted
    ['!a:test', 4, '@alice:test', true, false],
    ['!a:test', 5, '@alice:test', false, false], // did not notify
    ['!b:test', 6, '@alice:test', true, false],
    ['!b:test', 7, '@alice:test', true, false],
  ];
  for (const [room, pos, sender, notify, highlight] of rows) {
    await db.query(
      `INSERT INTO event_push_outcomes (room_id, stream_ordering, event_id, sender, thread_id, notify, highlight, actions, ts)
       VALUES ($1, $2, $3, $4, 'main', $5, $6, '[]', 0)`,
      [room, pos, `$e${pos}`, sender, notify, highlight],
    );
  }
});

afterAll(() => db.close());

test('counts notifying events of others after the join, per room, for one room and for several', async () => {
  const counter = new UnreadCounter(db);
  const one = await counter.counts(bob, [{ roomId: '!a:test', joinedAt: 0 }], 10);
  expect(one.get('!a:test')!.total).toEqual({ notification_count: 3, highlight_count: 1 });
  const several = await counter.counts(bob, [{ roomId: '!a:test', joinedAt: 1 }, { roomId: '!b:test', joinedAt: 0 }, { roomId: '!c:test', joinedAt: 0 }], 6);
  expect(several.get('!a:test')!.total).toEqual({ notification_count: 2, highlight_count: 1 });
  expect(several.get('!b:test')!.total).toEqual({ notification_count: 1, highlight_count: 0 });
  expect(several.get('!c:test')!.total).toEqual({ notification_count: 0, highlight_count: 0 });
});

test('the one-room count is planned once: PostgreSQL settles on a generic plan', async () => {
  await db.transaction(async (tx) => {
    // One connection throughout: prepared statements and their plan counters belong to a session.
    const counter = new UnreadCounter(tx);
    for (let i = 0; i < 12; i++) await counter.counts(bob, [{ roomId: '!a:test', joinedAt: 0 }], 10 + i);
    const { rows } = await tx.query<{ generic_plans: number; custom_plans: number }>(
      `SELECT generic_plans::int, custom_plans::int FROM pg_prepared_statements WHERE statement LIKE '%count(*) FILTER%event_push_outcomes%'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.generic_plans).toBeGreaterThan(0);
    expect(rows[0]!.custom_plans).toBeLessThanOrEqual(5);
  });
});
