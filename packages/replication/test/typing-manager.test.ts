import { jest } from '@jest/globals';
import { InProcessTransport, MemoryStreamWriter, StreamPositions, TypingManager, type RoomScopedRow, type StreamUpdate } from '@lattice/replication';

const ROOM1 = '!one:test';
const ROOM2 = '!two:test';
const ALICE = '@alice:test';
const BOB = '@bob:test';

describe('TypingManager', () => {
  let updates: StreamUpdate[];
  let reader: StreamPositions;
  let typing: TypingManager;

  beforeEach(() => {
    jest.useFakeTimers();
    const transport = new InProcessTransport();
    updates = [];
    reader = new StreamPositions();
    transport.subscribe((u) => {
      updates.push(u);
      reader.apply(u);
    });
    typing = new TypingManager(new MemoryStreamWriter<RoomScopedRow>('typing', 'main', transport), { maxIdleRooms: 2 });
  });

  afterEach(() => {
    typing.close();
    jest.useRealTimers();
  });

  test('typing publishes a room row at the next position', () => {
    typing.setTyping(ROOM1, ALICE, true, 10_000);
    expect(typing.typingUsers(ROOM1)).toEqual([ALICE]);
    expect(updates).toEqual([{ stream: 'typing', instance: 'main', position: 1, rows: [{ room_id: ROOM1, user_id: ALICE, user_ids: [ALICE] }] }]);
    expect(reader.current('typing')).toBe(1);
  });

  test('typing expires after the timeout, publishing the change', () => {
    typing.setTyping(ROOM1, ALICE, true, 10_000);
    jest.advanceTimersByTime(9_999);
    expect(typing.typingUsers(ROOM1)).toEqual([ALICE]);
    jest.advanceTimersByTime(1);
    expect(typing.typingUsers(ROOM1)).toEqual([]);
    expect(typing.position).toBe(2);
    expect(typing.roomsChangedSince(1)).toEqual([ROOM1]);
  });

  test('typing again extends the timeout without a new row; stopping publishes at once', () => {
    typing.setTyping(ROOM1, ALICE, true, 10_000);
    jest.advanceTimersByTime(8_000);
    typing.setTyping(ROOM1, ALICE, true, 10_000);
    expect(typing.position).toBe(1);
    jest.advanceTimersByTime(8_000);
    expect(typing.typingUsers(ROOM1)).toEqual([ALICE]);
    typing.setTyping(ROOM1, ALICE, false);
    expect(typing.typingUsers(ROOM1)).toEqual([]);
    expect(typing.position).toBe(2);
    typing.setTyping(ROOM1, ALICE, false); // not typing: nothing to announce
    expect(typing.position).toBe(2);
    jest.advanceTimersByTime(60_000);
    expect(typing.position).toBe(2);
  });

  test('the timeout is capped', () => {
    typing.setTyping(ROOM1, ALICE, true, 10 * 60_000);
    jest.advanceTimersByTime(120_000);
    expect(typing.typingUsers(ROOM1)).toEqual([]);
  });

  test('roomsChangedSince lists rooms changed after a position; a position from a previous life lists all', () => {
    typing.setTyping(ROOM1, ALICE, true, 10_000); // 1
    typing.setTyping(ROOM2, BOB, true, 10_000); // 2
    typing.setTyping(ROOM1, BOB, true, 10_000); // 3
    expect(typing.roomsChangedSince(0).sort()).toEqual([ROOM1, ROOM2]);
    expect(typing.roomsChangedSince(2)).toEqual([ROOM1]);
    expect(typing.roomsChangedSince(3)).toEqual([]);
    expect(typing.roomsChangedSince(99).sort()).toEqual([ROOM1, ROOM2]);
    expect(typing.typingUsers(ROOM1).sort()).toEqual([ALICE, BOB]);
  });

  test('idle rooms beyond the limit are forgotten; tokens older than that get every room', () => {
    for (const [i, room] of ['!a:t', '!b:t', '!c:t'].entries()) {
      typing.setTyping(room, ALICE, true, 1000 * (i + 1));
    }
    jest.advanceTimersByTime(3_000); // all three stop: positions 4, 5, 6; '!a:t' is forgotten
    expect(typing.roomsChangedSince(5)).toEqual(['!c:t']);
    expect(typing.roomsChangedSince(3).sort()).toEqual(['!b:t', '!c:t']);
  });
});
