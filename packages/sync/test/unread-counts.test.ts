/**
 * Unread counts straight from the notification tables (real PostgreSQL), for
 * one room and for several, and the one-room statement's plan: PostgreSQL
 * keeps a generic plan for it instead of planning each call anew (planning
 * cost twenty times the count itself when it did). Random rooms (threads,
 * receipts of every kind, one's own outcomes) are counted on both databases
 * and checked against the rule written out in plain code.
 */
import { createTestDatabase, type Database } from '@lattice/storage';
import { seededRandom } from '../../../bench/lib/seeded-random.js';
import { UnreadCounter } from '../src/notifications/unread-counts.js';
import { UnreadMemo } from '../src/notifications/unread-memo.js';

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

interface Outcome { room: string; pos: number; sender: string; thread: string; notify: boolean; highlight: boolean }
interface Receipt { room: string; type: string; thread: string; pos: number }
interface Scenario { outcomes: Outcome[]; exceptions: Map<string, { notify: boolean; highlight: boolean }>; receipts: Receipt[] }

const ROOMS = ['!r1:test', '!r2:test', '!r3:test'];
const THREADS = ['main', 'main', 'main', '$t1', '$t2'];

function scenario(random: () => number): Scenario {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const outcomes: Outcome[] = [];
  const exceptions = new Map<string, { notify: boolean; highlight: boolean }>();
  for (let pos = 1; pos <= 240; pos++) {
    // Stored outcomes exist only for events that notify someone; the shared one may be "no".
    const notify = random() < 0.8;
    outcomes.push({ room: pick(ROOMS), pos, sender: pick(['@alice:test', '@carol:test', bob]), thread: pick(THREADS), notify, highlight: notify && random() < 0.2 });
    if (random() < 0.15) {
      const own = random() < 0.5;
      exceptions.set(`${outcomes.at(-1)!.room}/${pos}`, { notify: own, highlight: own && random() < 0.5 });
    }
  }
  const receipts: Receipt[] = [];
  for (const room of ROOMS) {
    for (const thread of ['', 'main', '$t1']) {
      for (const type of ['m.read', 'm.read.private']) if (random() < 0.4) receipts.push({ room, type, thread, pos: 1 + Math.floor(random() * 240) });
    }
  }
  return { outcomes, exceptions, receipts };
}

/** The rule, plainly: after the join and every receipt that applies, not one's own, notifying for this user. */
function expected(s: Scenario, joined: Map<string, number>, upTo: number): Map<string, Map<string, [number, number]>> {
  const readUpTo = (room: string, thread: string) =>
    Math.max(0, ...s.receipts.filter((r) => r.room === room && (r.thread === '' || r.thread === thread)).map((r) => r.pos));
  const out = new Map<string, Map<string, [number, number]>>();
  for (const o of s.outcomes) {
    if (!joined.has(o.room) || o.pos <= joined.get(o.room)! || o.pos > upTo || o.sender === bob || o.pos <= readUpTo(o.room, o.thread)) continue;
    const mine = s.exceptions.get(`${o.room}/${o.pos}`) ?? o;
    if (!mine.notify) continue;
    const threads = out.get(o.room) ?? out.set(o.room, new Map()).get(o.room)!;
    const [n, h] = threads.get(o.thread) ?? [0, 0];
    threads.set(o.thread, [n + 1, h + (mine.highlight ? 1 : 0)]);
  }
  return out;
}

async function store(database: Database, s: Scenario): Promise<void> {
  await database.query('TRUNCATE event_push_outcomes, event_push_exceptions, receipts');
  await storeOutcomes(database, s, s.outcomes);
  await storeReceipts(database, s.receipts);
}

async function storeOutcomes(database: Database, s: Scenario, outcomes: readonly Outcome[]): Promise<void> {
  for (const o of outcomes) {
    await database.query(
      `INSERT INTO event_push_outcomes (room_id, stream_ordering, event_id, sender, thread_id, notify, highlight, actions, ts) VALUES ($1, $2, $3, $4, $5, $6, $7, '[]', 0)`,
      [o.room, o.pos, `$e${o.pos}`, o.sender, o.thread, o.notify, o.highlight],
    );
    const own = s.exceptions.get(`${o.room}/${o.pos}`);
    if (own) {
      await database.query(
        `INSERT INTO event_push_exceptions (user_id, room_id, stream_ordering, notify, highlight, actions) VALUES ($1, $2, $3, $4, $5, '[]')`,
        [bob, o.room, o.pos, own.notify, own.highlight],
      );
    }
  }
}

/** Replaces bob's receipts. */
async function storeReceipts(database: Database, receipts: readonly Receipt[]): Promise<void> {
  await database.query('DELETE FROM receipts WHERE user_id = $1', [bob]);
  for (const r of receipts) {
    await database.query(
      `INSERT INTO receipts (room_id, receipt_type, user_id, thread_id, event_id, event_stream_ordering, ts, stream_id) VALUES ($1, $2, $3, $4, $5, $6, 0, 1)`,
      [r.room, r.type, bob, r.thread, `$e${r.pos}`, r.pos],
    );
  }
}

describe.each(['postgres', 'pglite'] as const)('random rooms on %s', (kind) => {
  let database: Database;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(() => database.close());

  test.each([1, 2, 3, 4, 5, 6])('seed %i: every room and thread counts what the rule says', async (seed) => {
    const random = seededRandom(seed);
    const s = scenario(random);
    await store(database, s);
    const counter = new UnreadCounter(database);
    for (let round = 0; round < 4; round++) {
      const joined = new Map(ROOMS.filter(() => random() < 0.8).map((room) => [room, Math.floor(random() * 60)] as const));
      const upTo = 120 + Math.floor(random() * 140);
      await expectRule(counter, s, joined, upTo);
    }
  });

  test.each([1, 2, 3, 4, 5, 6])('seed %i: counts that extend the last one as events arrive and receipts move match the rule', async (seed) => {
    const random = seededRandom(100 + seed);
    const s = scenario(random);
    await store(database, { ...s, outcomes: [], receipts: [] });
    const counter = new UnreadCounter(database, new UnreadMemo({ minUnread: 0 }));
    const joined = new Map(ROOMS.map((room) => [room, Math.floor(random() * 30)] as const));
    let receipts: Receipt[] = [];
    let stored = 0;
    for (let upTo = 10; upTo <= 240; upTo += 5 + Math.floor(random() * 20)) {
      await storeOutcomes(database, s, s.outcomes.slice(stored, upTo));
      stored = upTo;
      // Now and then a receipt appears or moves (to any event so far), or the user rejoins a room.
      const kind = s.receipts[Math.floor(random() * s.receipts.length)];
      if (kind && random() < 0.3) {
        const same = (r: Receipt) => r.room === kind.room && r.type === kind.type && r.thread === kind.thread;
        receipts = [...receipts.filter((r) => !same(r)), { ...kind, pos: 1 + Math.floor(random() * upTo) }];
      }
      if (random() < 0.1) joined.set(ROOMS[Math.floor(random() * ROOMS.length)]!, upTo - Math.floor(random() * 5));
      await storeReceipts(database, receipts);
      await expectRule(counter, { ...s, receipts }, joined, upTo);
    }
  });
});

async function expectRule(counter: UnreadCounter, s: Scenario, joined: Map<string, number>, upTo: number): Promise<void> {
  const counts = await counter.counts(bob, [...joined].map(([roomId, joinedAt]) => ({ roomId, joinedAt })), upTo);
  const want = expected(s, joined, upTo);
  for (const room of joined.keys()) {
    const threads = want.get(room) ?? new Map<string, [number, number]>();
    const got = counts.get(room)!;
    const sum = (f: (t: string) => boolean, i: 0 | 1) => [...threads].filter(([t]) => f(t)).reduce((a, [, v]) => a + v[i], 0);
    expect(got.total).toEqual({ notification_count: sum(() => true, 0), highlight_count: sum(() => true, 1) });
    expect(got.main).toEqual({ notification_count: sum((t) => t === 'main', 0), highlight_count: sum((t) => t === 'main', 1) });
    const wantThreads = [...threads].filter(([t, [n]]) => t !== 'main' && n > 0).map(([t, [n, h]]) => [t, { notification_count: n, highlight_count: h }]);
    expect([...got.threads].sort()).toEqual(wantThreads.sort());
  }
}

test('a purge that deleted counted outcomes makes the room count afresh; without it the count extends the memo', async () => {
  const database = await createTestDatabase('postgres');
  try {
    const s: Scenario = { outcomes: [], exceptions: new Map(), receipts: [] };
    for (let pos = 1; pos <= 20; pos++) s.outcomes.push({ room: '!p:test', pos, sender: '@alice:test', thread: 'main', notify: true, highlight: false });
    await store(database, s);
    const memo = new UnreadMemo({ minUnread: 0 });
    const counter = new UnreadCounter(database, memo);
    const room = [{ roomId: '!p:test', joinedAt: 0 }];
    expect((await counter.counts(bob, room, 10)).get('!p:test')!.total.notification_count).toBe(10);
    await database.query('DELETE FROM event_push_outcomes WHERE stream_ordering <= 5');
    // The memo is what the count extends: the purged outcomes below it still count…
    expect((await counter.counts(bob, room, 12)).get('!p:test')!.total.notification_count).toBe(12);
    // …until the purge is announced.
    memo.forgetRoom('!p:test');
    expect((await counter.counts(bob, room, 12)).get('!p:test')!.total.notification_count).toBe(7);
  } finally {
    await database.close();
  }
});
