import {
  compileFilter,
  DEFAULT_EVENT_LIMIT,
  effectiveLimit,
  MAX_EVENT_LIMIT,
  parseFilter,
  type FilterableEvent,
} from '../../src/filters/index.js';

const msg: FilterableEvent = { type: 'm.room.message', sender: '@a:x', content: { body: 'x' } };
const member: FilterableEvent = { type: 'm.room.member', sender: '@a:x', content: { membership: 'join' } };

describe('limits', () => {
  test('default 10, the client value otherwise, clamped to the maximum', () => {
    expect(DEFAULT_EVENT_LIMIT).toBe(10);
    expect(effectiveLimit(undefined)).toBe(10);
    expect(effectiveLimit(undefined, 20)).toBe(20);
    expect(effectiveLimit(0)).toBe(0);
    expect(effectiveLimit(50)).toBe(50);
    expect(effectiveLimit(MAX_EVENT_LIMIT + 1)).toBe(MAX_EVENT_LIMIT);
  });
});

describe('compileFilter', () => {
  test('defaults of an empty filter', () => {
    const f = compileFilter({});
    expect(f.timelineLimit).toBe(10);
    expect(f.lazyLoadMembers).toBe(false);
    expect(f.includeRedundantMembers).toBe(false);
    expect(f.unreadThreadNotifications).toBe(false);
    expect(f.includeLeave).toBe(false);
    expect(f.eventFormat).toBe('client');
    expect(f.project(msg)).toBe(msg);
    for (const matcher of [f.timeline, f.state, f.ephemeral, f.roomAccountData, f.presence, f.accountData]) {
      expect(matcher(msg, '!r:x')).toBe(true);
    }
    expect(Object.values(f.skips).some(Boolean)).toBe(false);
    expect(compileFilter().timelineLimit).toBe(10);
  });

  test('each section gets its own matcher', () => {
    const f = compileFilter(
      parseFilter({
        room: {
          timeline: { types: ['m.room.message'] },
          state: { types: ['m.room.member'] },
          ephemeral: { not_types: ['m.typing'] },
          account_data: { types: ['m.tag'] },
        },
        presence: { not_senders: ['@a:x'] },
        account_data: { types: ['m.direct'] },
      }),
    );
    expect(f.timeline(msg)).toBe(true);
    expect(f.timeline(member)).toBe(false);
    expect(f.state(member)).toBe(true);
    expect(f.state(msg)).toBe(false);
    expect(f.ephemeral({ type: 'm.typing', content: {} })).toBe(false);
    expect(f.ephemeral({ type: 'm.receipt', content: {} })).toBe(true);
    expect(f.roomAccountData({ type: 'm.tag', content: {} })).toBe(true);
    expect(f.roomAccountData({ type: 'm.fully_read', content: {} })).toBe(false);
    expect(f.presence({ type: 'm.presence', sender: '@a:x', content: {} })).toBe(false);
    expect(f.presence({ type: 'm.presence', sender: '@b:x', content: {} })).toBe(true);
    expect(f.accountData({ type: 'm.direct', content: {} })).toBe(true);
    expect(f.accountData({ type: 'm.push_rules', content: {} })).toBe(false);
  });

  test('sections switched off are reported in skips', () => {
    const f = compileFilter({
      room: { timeline: { limit: 0 }, state: { types: [] }, ephemeral: { not_types: ['*'] }, account_data: { senders: [] } },
      presence: { types: [] },
      account_data: { not_types: ['*'] },
    });
    expect(f.skips).toEqual({
      timeline: false, // limit 0 is a limit, the section still exists (limited: true)
      state: true,
      ephemeral: true,
      roomAccountData: true,
      presence: true,
      accountData: true,
    });
    expect(f.timelineLimit).toBe(0);
  });

  test('room-level rooms / not_rooms / include_leave', () => {
    const f = compileFilter({ room: { rooms: ['!a:x'], not_rooms: ['!b:x'], include_leave: true } });
    expect(f.includeLeave).toBe(true);
    expect(f.rooms.includesRoom('!a:x', 'leave')).toBe(true);
    expect(f.rooms.includesRoom('!b:x', 'join')).toBe(false);
    expect(f.rooms.includesRoom('!c:x', 'join')).toBe(false);
  });

  test('lazy loading is read from room.state; include_redundant_members needs it', () => {
    expect(compileFilter({ room: { state: { lazy_load_members: true } } }).lazyLoadMembers).toBe(true);
    expect(compileFilter({ room: { timeline: { lazy_load_members: true } } }).lazyLoadMembers).toBe(false);
    const both = compileFilter({ room: { state: { lazy_load_members: true, include_redundant_members: true } } });
    expect(both.includeRedundantMembers).toBe(true);
    const redundantOnly = compileFilter({ room: { state: { include_redundant_members: true } } });
    expect(redundantOnly.includeRedundantMembers).toBe(false);
  });

  test('unread_thread_notifications is read from room.timeline', () => {
    expect(compileFilter({ room: { timeline: { unread_thread_notifications: true } } }).unreadThreadNotifications).toBe(true);
    expect(compileFilter({ room: { state: { unread_thread_notifications: true } } }).unreadThreadNotifications).toBe(false);
  });

  test('timeline limit, event format and event fields', () => {
    const f = compileFilter({ room: { timeline: { limit: 3 } }, event_format: 'federation', event_fields: ['type'] });
    expect(f.timelineLimit).toBe(3);
    expect(f.eventFormat).toBe('federation');
    expect(f.project(msg)).toEqual({ type: 'm.room.message' });
    expect(compileFilter({ room: { timeline: { limit: 5000 } } }).timelineLimit).toBe(MAX_EVENT_LIMIT);
  });
});
