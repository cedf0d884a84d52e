/**
 * When a sync worker's memo of a room's unread counts may be extended: same
 * join, a position at or after the memo's, not older than ten minutes; a purge
 * forgets the room's memos for every user, and only that room's; rooms with
 * few unread notifications are not kept.
 */
import { UnreadMemo } from '../src/notifications/unread-memo.js';

const entry = { joinedAt: 5, upTo: 100, receipts: 'main=40', threads: new Map([['main', [3, 1] as [number, number]]]) };

test('a memo extends counts of the same join at its position or later, for ten minutes', () => {
  let now = 1_000_000;
  const memo = new UnreadMemo({ capacity: 10, minUnread: 0, clock: () => now });
  memo.remember('@a:x', '!r:x', entry);
  expect(memo.usable('@a:x', '!r:x', 5, 100)).toMatchObject(entry);
  expect(memo.usable('@a:x', '!r:x', 5, 150)).toMatchObject(entry);
  expect(memo.usable('@a:x', '!r:x', 5, 99)).toBeUndefined(); // an older position
  expect(memo.usable('@a:x', '!r:x', 60, 150)).toBeUndefined(); // rejoined since
  expect(memo.usable('@b:x', '!r:x', 5, 150)).toBeUndefined();
  now += 10 * 60_000;
  expect(memo.usable('@a:x', '!r:x', 5, 150)).toBeDefined();
  now += 1;
  expect(memo.usable('@a:x', '!r:x', 5, 150)).toBeUndefined();
});

test("a purged room's memos are forgotten for every user, other rooms' kept", () => {
  const memo = new UnreadMemo({ capacity: 10, minUnread: 0 });
  memo.remember('@a:x', '!r:x', entry);
  memo.remember('@b:x', '!r:x', entry);
  memo.remember('@a:x', '!other:x', entry);
  memo.forgetRoom('!r:x');
  expect(memo.usable('@a:x', '!r:x', 5, 100)).toBeUndefined();
  expect(memo.usable('@b:x', '!r:x', 5, 100)).toBeUndefined();
  expect(memo.usable('@a:x', '!other:x', 5, 100)).toBeDefined();
});

test('the least recently used memo goes first once the capacity is reached', () => {
  const memo = new UnreadMemo({ capacity: 2, minUnread: 0 });
  memo.remember('@a:x', '!1:x', entry);
  memo.remember('@a:x', '!2:x', entry);
  memo.usable('@a:x', '!1:x', 5, 100);
  memo.remember('@a:x', '!3:x', entry);
  expect(memo.usable('@a:x', '!2:x', 5, 100)).toBeUndefined();
  expect(memo.usable('@a:x', '!1:x', 5, 100)).toBeDefined();
});

test('a room with few unread notifications is not kept, and drops what was kept for it', () => {
  const memo = new UnreadMemo({ minUnread: 100 });
  const many = { ...entry, threads: new Map([['main', [90, 1] as [number, number]], ['$t', [10, 0] as [number, number]]]) };
  memo.remember('@a:x', '!r:x', many);
  expect(memo.usable('@a:x', '!r:x', 5, 100)?.threads).toEqual(many.threads);
  memo.remember('@a:x', '!r:x', { ...many, threads: new Map([['main', [99, 0] as [number, number]]]) });
  expect(memo.usable('@a:x', '!r:x', 5, 100)).toBeUndefined();
});
