import { Notifier, StreamPosition, SyncToken, type EventStreamRow, type WaitOutcome } from '@lattice/replication';
import { settle } from './helpers.js';

const ALICE = '@alice:test';
const BOB = '@bob:test';
const ROOM1 = '!one:test';
const ROOM2 = '!two:test';

function message(roomId: string): EventStreamRow {
  return { event_id: `$${Math.random()}`, room_id: roomId, type: 'm.room.message', state_key: null, sender: BOB, membership: null };
}

function member(roomId: string, userId: string, membership: string): EventStreamRow {
  return { event_id: `$${Math.random()}`, room_id: roomId, type: 'm.room.member', state_key: userId, sender: BOB, membership };
}

const at = (events: number, extra: Partial<Record<'receipts' | 'typing' | 'to_device' | 'account_data', number>> = {}) =>
  new SyncToken({
    events: StreamPosition.at(events),
    ...Object.fromEntries(Object.entries(extra).map(([s, p]) => [s, StreamPosition.at(p)])),
  });

/** Tracks a wait's outcome without awaiting it. */
function track(promise: Promise<WaitOutcome>): { outcome: WaitOutcome | undefined } {
  const state: { outcome: WaitOutcome | undefined } = { outcome: undefined };
  void promise.then((o) => (state.outcome = o));
  return state;
}

describe('Notifier', () => {
  test('an event in one of the rooms wakes the waiter; one elsewhere does not', async () => {
    const notifier = new Notifier();
    const alice = track(notifier.wait({ userId: ALICE, roomIds: new Set([ROOM1]), since: at(10), timeoutMs: 60_000 }));
    notifier.notify('events', 'main', 11, [message(ROOM2)]);
    await settle();
    expect(alice.outcome).toBeUndefined();
    notifier.notify('events', 'main', 12, [message(ROOM1)]);
    await settle();
    expect(alice.outcome).toBe('changed');
    expect(notifier.waiting).toBe(0);
  });

  test('an invite (member event with the user as state_key) wakes the user for a room it is not in yet', async () => {
    const notifier = new Notifier();
    const alice = track(notifier.wait({ userId: ALICE, roomIds: new Set(), since: at(10), timeoutMs: 60_000 }));
    notifier.notify('events', 'main', 11, [member(ROOM2, BOB, 'join')]);
    await settle();
    expect(alice.outcome).toBeUndefined();
    notifier.notify('events', 'main', 12, [member(ROOM2, ALICE, 'invite')]);
    await settle();
    expect(alice.outcome).toBe('changed');
  });

  test('hidden (rejected, soft-failed) events wake nobody', async () => {
    const notifier = new Notifier();
    const alice = track(notifier.wait({ userId: ALICE, roomIds: new Set([ROOM1]), since: at(10), timeoutMs: 60_000 }));
    notifier.notify('events', 'main', 11, [{ ...message(ROOM1), hidden: true }]);
    await settle();
    expect(alice.outcome).toBeUndefined();
    notifier.abortAll();
  });

  test('user-scoped rows wake their user only; room-scoped rows their room; room account data stays private', async () => {
    const notifier = new Notifier();
    const since = at(10);
    const alice = track(notifier.wait({ userId: ALICE, roomIds: new Set([ROOM1]), since, timeoutMs: 60_000 }));
    const bob = track(notifier.wait({ userId: BOB, roomIds: new Set([ROOM1]), since, timeoutMs: 60_000 }));
    notifier.notify('account_data', 'main', 1, [{ user_id: ALICE, room_id: ROOM1 }]);
    await settle();
    expect([alice.outcome, bob.outcome]).toEqual(['changed', undefined]);
    notifier.notify('typing', 'main', 1, [{ room_id: ROOM1, user_id: ALICE }]);
    await settle();
    expect(bob.outcome).toBe('changed');
  });

  test('device list rows with a room wake the room (co-members)', async () => {
    const notifier = new Notifier();
    const bob = track(notifier.wait({ userId: BOB, roomIds: new Set([ROOM1]), since: at(10), timeoutMs: 60_000 }));
    notifier.notify('device_lists', 'main', 1, [{ user_id: ALICE, room_id: ROOM1 }]);
    await settle();
    expect(bob.outcome).toBe('changed');
  });

  test('caches rows wake nobody', async () => {
    const notifier = new Notifier();
    const alice = track(notifier.wait({ userId: ALICE, roomIds: new Set([ROOM1]), since: at(10), timeoutMs: 20 }));
    notifier.notify('caches', 'main', 11, [{ cache: 'x', keys: [ALICE] }]);
    await new Promise((r) => setTimeout(r, 40));
    expect(alice.outcome).toBe('timeout');
  });

  test('no lost wake-up: a row that landed after the sync read but before wait() resolves it at once', async () => {
    const notifier = new Notifier();
    // The sync read everything up to events 10, then (before it calls wait) event 11 lands in its room.
    const since = at(10);
    notifier.notify('events', 'main', 11, [message(ROOM1)]);
    await expect(notifier.wait({ userId: ALICE, roomIds: new Set([ROOM1]), since, timeoutMs: 60_000 })).resolves.toBe(
      'changed',
    );
    // A sync that had already read event 11 sleeps.
    const later = track(notifier.wait({ userId: ALICE, roomIds: new Set([ROOM1]), since: at(11), timeoutMs: 60_000 }));
    await settle();
    expect(later.outcome).toBeUndefined();
    notifier.abortAll();
    await settle();
    expect(later.outcome).toBe('aborted');
  });

  test('the race check is per writer: a row covered by the token vector does not count', async () => {
    const notifier = new Notifier();
    notifier.notify('events', 'p2', 15, [message(ROOM1)]);
    const since = SyncToken.ZERO.with('events', StreamPosition.parse('m10~p2.15'));
    const waiting = track(notifier.wait({ userId: ALICE, roomIds: new Set([ROOM1]), since, timeoutMs: 60_000 }));
    await settle();
    expect(waiting.outcome).toBeUndefined();
    notifier.notify('events', 'p1', 11, [message(ROOM1)]);
    await settle();
    expect(waiting.outcome).toBe('changed');
  });

  test('timeout and abort', async () => {
    const notifier = new Notifier();
    await expect(notifier.wait({ userId: ALICE, roomIds: new Set(), since: at(1), timeoutMs: 10 })).resolves.toBe('timeout');
    const controller = new AbortController();
    const waiting = notifier.wait({ userId: ALICE, roomIds: new Set([ROOM1]), since: at(1), timeoutMs: 60_000, signal: controller.signal });
    expect(notifier.waiting).toBe(1);
    controller.abort();
    await expect(waiting).resolves.toBe('aborted');
    expect(notifier.waiting).toBe(0);
    await expect(
      notifier.wait({ userId: ALICE, roomIds: new Set(), since: at(1), timeoutMs: 60_000, signal: controller.signal }),
    ).resolves.toBe('aborted');
  });

  test('10,000 waiters: one event wakes exactly the waiters of its room', async () => {
    const notifier = new Notifier();
    const since = at(100);
    const waits: { room: number; state: { outcome: WaitOutcome | undefined } }[] = [];
    for (let i = 0; i < 10_000; i++) {
      const rooms = new Set([`!r${i % 1000}:test`, `!r${(i * 7) % 1000}:test`]);
      waits.push({
        room: i,
        state: track(notifier.wait({ userId: `@u${i}:test`, roomIds: rooms, since, timeoutMs: 60_000 })),
      });
    }
    expect(notifier.waiting).toBe(10_000);
    notifier.notify('events', 'main', 101, [message('!r3:test')]);
    await settle();
    const woken = waits.filter((w) => w.state.outcome === 'changed').map((w) => w.room);
    const expected = waits.map((w) => w.room).filter((i) => i % 1000 === 3 || (i * 7) % 1000 === 3);
    expect(woken.sort((a, b) => a - b)).toEqual(expected);
    expect(notifier.waiting).toBe(10_000 - expected.length);
    notifier.notify('to_device', 'main', 1, [{ user_id: '@u42:test' }]);
    await settle();
    expect(waits[42]!.state.outcome).toBe('changed');
    expect(notifier.waiting).toBe(10_000 - expected.length - 1);
    notifier.abortAll();
    await settle();
    expect(notifier.waiting).toBe(0);
  });

  describe('what changed since a token, by stream (the reads an incremental sync may skip)', () => {
    test('a user is named only by rows of the streams that concern it', () => {
      const notifier = new Notifier();
      notifier.notify('account_data', 'main', 5, [{ user_id: ALICE }]);
      notifier.notify('events', 'main', 11, [member(ROOM1, ALICE, 'join')]);
      const since = at(10, { account_data: 4 });
      expect(notifier.userChangedSince(ALICE, since, 'account_data')).toBe(true);
      expect(notifier.userChangedSince(ALICE, since, 'events')).toBe(true);
      expect(notifier.userChangedSince(ALICE, since, 'to_device')).toBe(false);
      expect(notifier.userChangedSince(BOB, since, 'events')).toBe(false);
      // Covered by the token: nothing new.
      expect(notifier.userChangedSince(ALICE, at(11, { account_data: 5 }), 'account_data')).toBe(false);
      expect(notifier.userChangedSince(ALICE, at(11, { account_data: 5 }), 'events')).toBe(false);
    });

    test('rooms are named by their rows, per stream', () => {
      const notifier = new Notifier();
      notifier.notify('receipts', 'main', 3, [{ room_id: ROOM1 }]);
      notifier.notify('events', 'main', 11, [message(ROOM2)]);
      const since = at(10, { receipts: 2 });
      expect(notifier.roomsChangedSince([ROOM1], since, 'receipts')).toBe(true);
      expect(notifier.roomsChangedSince([ROOM2], since, 'receipts')).toBe(false);
      expect(notifier.roomsChangedSince([ROOM1, ROOM2], since, 'events')).toBe(true);
      expect(notifier.roomsChangedSince([ROOM1], at(10, { receipts: 3 }), 'receipts')).toBe(false);
    });

    test("a room's membership events count as member changes; its messages do not", () => {
      const notifier = new Notifier();
      notifier.notify('events', 'main', 11, [message(ROOM1)]);
      notifier.notify('events', 'main', 12, [member(ROOM2, BOB, 'join')]);
      expect(notifier.membersChangedSince([ROOM1], at(10))).toBe(false);
      expect(notifier.membersChangedSince([ROOM1, ROOM2], at(10))).toBe(true);
      expect(notifier.membersChangedSince([ROOM2], at(12))).toBe(false);
      // A hidden (rejected) membership event changes nobody's membership.
      notifier.notify('events', 'main', 13, [{ ...member(ROOM1, BOB, 'leave'), hidden: true }]);
      expect(notifier.membersChangedSince([ROOM1], at(10))).toBe(false);
    });
  });
});
