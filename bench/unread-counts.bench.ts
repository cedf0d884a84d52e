/**
 * Unread notification counts, which every /sync computes for every joined room
 * it returns: the time to count one room where the user has 1,000, 10,000 and
 * 50,000 unread notifications, on PostgreSQL and PGlite. Two receipt layouts:
 * a client sending unthreaded read receipts, and one sending threaded receipts
 * only (the main timeline's receipt far ahead of any unthreaded one), with 10%
 * of events in threads and 1% the user's own outcomes (mentions). Then the
 * same as a sync worker counts: extending its last count of the room (its
 * memo) by the one event sent since. Last, a push's badge (counts.unread): the
 * unread notifications of every joined room, here 20 rooms of 5,000 unread each,
 * counted in full and as the push sender counts it, extending its last count.
 */
import { createTestDatabase, type Database } from '@lattice/storage';
import { UnreadCounter, UnreadMemo } from '@lattice/sync';
import { measureLatency } from './lib/measure.js';

const USER = '@reader:bench.local';
const ROOM = '!busy:bench.local';

/** `read` events the user has read, then `unread` they have not; `threadedOnly`: no unthreaded receipt. */
async function fill(db: Database, read: number, unread: number, threadedOnly: boolean): Promise<number> {
  await db.query('TRUNCATE event_push_outcomes, event_push_exceptions, receipts');
  const last = read + unread;
  await db.query(
    `INSERT INTO event_push_outcomes (room_id, stream_ordering, event_id, sender, thread_id, notify, highlight, actions, ts)
     SELECT $1, g, '$e' || g, '@writer:bench.local', CASE WHEN g % 10 = 0 THEN '$root' || (g % 7) ELSE 'main' END, true, false, '["notify"]', 0
     FROM generate_series(1, $2::int) g`,
    [ROOM, last],
  );
  await db.query(
    `INSERT INTO event_push_exceptions (user_id, room_id, stream_ordering, notify, highlight, actions)
     SELECT $1, $2, g, true, true, '["notify"]' FROM generate_series(1, $3::int, 100) g`,
    [USER, ROOM, last],
  );
  const receipt = (thread: string, pos: number) =>
    db.query(
      `INSERT INTO receipts (room_id, receipt_type, user_id, thread_id, event_id, event_stream_ordering, ts, stream_id) VALUES ($1, 'm.read', $2, $3, $4, $5, 0, 1)`,
      [ROOM, USER, thread, `$e${pos}`, pos],
    );
  await receipt(threadedOnly ? 'main' : '', read);
  await db.query('VACUUM ANALYZE event_push_outcomes, event_push_exceptions, receipts');
  return last;
}

async function benchOn(kind: 'postgres' | 'pglite'): Promise<void> {
  const db = await createTestDatabase(kind);
  const counter = new UnreadCounter(db);
  for (const threadedOnly of [false, true]) {
    for (const unread of [1_000, 10_000, 50_000]) {
      const upTo = await fill(db, 20_000, unread, threadedOnly);
      const count = () => counter.counts(USER, [{ roomId: ROOM, joinedAt: 0 }], upTo);
      // Each pooled connection prepares the statement and settles on its generic plan first, as a running server's have.
      for (let i = 0; i < 40; i++) await count();
      const layout = threadedOnly ? 'threaded receipts' : 'unthreaded receipt';
      await measureLatency(`[${kind}] ${unread.toLocaleString('en-US')} unread, ${layout}`, async () => void (await count()), 50);
      // A sync worker's count: the last one (of the position one event earlier) extended by that event.
      const extending = new UnreadCounter(db, new UnreadMemo());
      let at = upTo - 100;
      await extending.counts(USER, [{ roomId: ROOM, joinedAt: 0 }], at);
      const next = () => extending.counts(USER, [{ roomId: ROOM, joinedAt: 0 }], ++at);
      for (let i = 0; i < 40; i++) await next();
      await measureLatency(`[${kind}]   …a sync worker's, one new event`, async () => void (await next()), 50);
    }
  }
  await db.close();
}

const BADGE_ROOMS = 20;
const BADGE_UNREAD = 5_000;

/** BADGE_ROOMS rooms of BADGE_UNREAD unread main-timeline notifications each, one event at a time round the rooms. */
async function fillBadgeRooms(db: Database): Promise<{ rooms: Array<{ roomId: string; joinedAt: number }>; last: number }> {
  await db.query('TRUNCATE event_push_outcomes, event_push_exceptions, receipts');
  const last = BADGE_ROOMS * BADGE_UNREAD;
  await db.query(
    `INSERT INTO event_push_outcomes (room_id, stream_ordering, event_id, sender, thread_id, notify, highlight, actions, ts)
     SELECT '!badge' || (g % $1) || ':bench.local', g, '$b' || g, '@writer:bench.local', 'main', true, false, '["notify"]', 0
     FROM generate_series(1, $2::int) g`,
    [BADGE_ROOMS, last],
  );
  await db.query('VACUUM ANALYZE event_push_outcomes, event_push_exceptions, receipts');
  const rooms = Array.from({ length: BADGE_ROOMS }, (_, i) => ({ roomId: `!badge${i}:bench.local`, joinedAt: 0 }));
  return { rooms, last };
}

async function benchBadge(kind: 'postgres' | 'pglite'): Promise<void> {
  const db = await createTestDatabase(kind);
  const { rooms, last } = await fillBadgeRooms(db);
  const label = `${BADGE_ROOMS} rooms × ${BADGE_UNREAD.toLocaleString('en-US')} unread`;
  const counter = new UnreadCounter(db);
  const full = () => counter.counts(USER, rooms, last);
  for (let i = 0; i < 20; i++) await full();
  await measureLatency(`[${kind}] push badge, ${label}, counted in full`, async () => void (await full()), 30);
  // The push sender's count: its last one extended by the events since (one per push here).
  const extending = new UnreadCounter(db, new UnreadMemo());
  let at = last - 100;
  await extending.counts(USER, rooms, at);
  const next = () => extending.counts(USER, rooms, ++at);
  for (let i = 0; i < 40; i++) await next();
  await measureLatency(`[${kind}]   …extending the last count`, async () => void (await next()), 50);
  await db.close();
}

for (const kind of ['postgres', 'pglite'] as const) {
  await benchOn(kind);
  await benchBadge(kind);
}
