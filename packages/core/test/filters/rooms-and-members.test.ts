import { compileRoomFilter, lazyMembersToSend } from '../../src/filters/index.js';

describe('compileRoomFilter', () => {
  test('no filter includes every room the user is in or invited to, but not left rooms', () => {
    const rooms = compileRoomFilter(undefined);
    expect(rooms.includesRoom('!a:x', 'join')).toBe(true);
    expect(rooms.includesRoom('!a:x', 'invite')).toBe(true);
    expect(rooms.includesRoom('!a:x', 'knock')).toBe(true);
    expect(rooms.includesRoom('!a:x', 'leave')).toBe(false);
    expect(rooms.includesRoom('!a:x', 'ban')).toBe(false);
    expect(rooms.excludesAllRooms).toBe(false);
  });

  test('include_leave includes rooms the user left or was banned from', () => {
    const rooms = compileRoomFilter({ include_leave: true });
    expect(rooms.includesRoom('!a:x', 'leave')).toBe(true);
    expect(rooms.includesRoom('!a:x', 'ban')).toBe(true);
  });

  test('a departure inside the sync window is reported even without include_leave', () => {
    const rooms = compileRoomFilter({ include_leave: false });
    expect(rooms.includesRoom('!a:x', 'leave', true)).toBe(true);
    expect(rooms.includesRoom('!a:x', 'ban', true)).toBe(true);
    expect(rooms.includesRoom('!a:x', 'leave', false)).toBe(false);
  });

  test('rooms includes only the listed rooms', () => {
    const rooms = compileRoomFilter({ rooms: ['!a:x'] });
    expect(rooms.includesRoomId('!a:x')).toBe(true);
    expect(rooms.includesRoomId('!b:x')).toBe(false);
    expect(rooms.includesRoom('!b:x', 'join')).toBe(false);
  });

  test('not_rooms wins over rooms and over include_leave', () => {
    const rooms = compileRoomFilter({ rooms: ['!a:x', '!b:x'], not_rooms: ['!a:x'], include_leave: true });
    expect(rooms.includesRoom('!a:x', 'join')).toBe(false);
    expect(rooms.includesRoom('!a:x', 'leave', true)).toBe(false);
    expect(rooms.includesRoom('!b:x', 'join')).toBe(true);
    expect(rooms.includesRoom('!b:x', 'leave')).toBe(true);
  });

  test('excludesAllRooms: an empty rooms list, or every listed room excluded', () => {
    expect(compileRoomFilter({ rooms: [] }).excludesAllRooms).toBe(true);
    expect(compileRoomFilter({ rooms: ['!a:x'], not_rooms: ['!a:x'] }).excludesAllRooms).toBe(true);
    expect(compileRoomFilter({ rooms: ['!a:x', '!b:x'], not_rooms: ['!a:x'] }).excludesAllRooms).toBe(false);
    expect(compileRoomFilter({ not_rooms: ['!a:x'] }).excludesAllRooms).toBe(false);
  });
});

describe('lazyMembersToSend', () => {
  const chunk = [
    { sender: '@a:x' },
    { sender: '@b:x' },
    { sender: '@a:x' },
    { sender: '@c:x' },
    {}, // e.g. an EDU without sender
  ];

  test('the senders of the chunk, once each, in first-seen order', () => {
    expect(lazyMembersToSend(chunk, { includeRedundantMembers: false, alreadySent: () => false })).toEqual([
      '@a:x',
      '@b:x',
      '@c:x',
    ]);
  });

  test('members already sent to the device are skipped', () => {
    const sent = new Set(['@b:x']);
    expect(lazyMembersToSend(chunk, { includeRedundantMembers: false, alreadySent: (u) => sent.has(u) })).toEqual([
      '@a:x',
      '@c:x',
    ]);
  });

  test('include_redundant_members sends them anyway', () => {
    expect(lazyMembersToSend(chunk, { includeRedundantMembers: true, alreadySent: () => true })).toEqual([
      '@a:x',
      '@b:x',
      '@c:x',
    ]);
  });

  test('extra members (the syncing user) are added once and follow the same redundancy rule', () => {
    const options = { includeRedundantMembers: false, alreadySent: (u: string) => u === '@me:x' };
    expect(lazyMembersToSend(chunk, { ...options, extraMembers: ['@a:x', '@me:x', '@d:x'] })).toEqual([
      '@a:x',
      '@b:x',
      '@c:x',
      '@d:x',
    ]);
    expect(lazyMembersToSend([], { ...options, alreadySent: () => false, extraMembers: ['@me:x'] })).toEqual(['@me:x']);
  });

  test('an empty chunk needs no members', () => {
    expect(lazyMembersToSend([], { includeRedundantMembers: true, alreadySent: () => false })).toEqual([]);
  });
});
