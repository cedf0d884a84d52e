import {
  compileEventFilter,
  filterMatchesNothing,
  type FilterableEvent,
  type RoomEventFilter,
} from '../../src/filters/index.js';
import { compileTypePatterns } from '../../src/filters/type-pattern.js';

const ev = (type: string, sender = '@alice:x', room_id = '!room:x', content: unknown = {}): FilterableEvent => ({
  type,
  sender,
  room_id,
  content,
});

const matches = (filter: RoomEventFilter | undefined, event: FilterableEvent, roomId?: string) =>
  compileEventFilter(filter)(event, roomId);

describe('type patterns', () => {
  const cases: Array<[string[], string, boolean]> = [
    [['m.room.message'], 'm.room.message', true],
    [['m.room.message'], 'm.room.messages', false],
    [['m.room.message'], 'm.room', false],
    [['m.room.*'], 'm.room.member', true],
    [['m.room.*'], 'm.room.', true], // `*` matches the empty sequence
    [['m.room.*'], 'm.roomy', false],
    [['m.room.*'], 'org.m.room.member', false], // anchored at the start
    [['m.room.**'], 'm.room.name', true],
    [['*'], 'anything.at.all', true],
    [['*'], '', true],
    [['**'], 'x', true],
    [['*.member'], 'm.room.member', true], // leading wildcard
    [['*.member'], 'm.room.members', false], // anchored at the end
    [['m.*.answer'], 'm.call.answer', true], // inner wildcard
    [['m.*.answer'], 'm.call.answer2', false],
    [['m.*.answer'], 'm.answer', false],
    [['m.*.*.x'], 'm.a.b.c.x', true],
    [['m.room.message'], 'm.room.messageX', false],
    [['m.+(x)'], 'm.+(x)', true], // regex metacharacters are literal
    [['m.+(*)'], 'm.+(abc)', true],
    [['m.+(*)'], 'm.(abc)', false],
    [['a.*'], 'a.\nb', true], // `*` matches any character, newline included
    [['x.*', 'm.room.message', 'y.*.z'], 'y.q.z', true],
    [['x.*', 'm.room.message', 'y.*.z'], 'm.room.message', true],
    [['x.*', 'm.room.message', 'y.*.z'], 'x.1', true],
    [['x.*', 'm.room.message', 'y.*.z'], 'q', false],
    [[], 'm.room.message', false],
    [['a', 'b'], 'b', true],
    [['a', 'b'], 'c', false],
  ];
  test.each(cases)('%j against %j → %s', (patterns, type, expected) => {
    expect(compileTypePatterns(patterns)(type)).toBe(expected);
  });
});

describe('compileEventFilter', () => {
  test('no filter, or an empty one, matches everything', () => {
    expect(matches(undefined, ev('m.room.message'))).toBe(true);
    expect(matches({}, ev('x'))).toBe(true);
    expect(matches({ limit: 1, lazy_load_members: true }, ev('x'))).toBe(true);
  });

  test('types includes only the listed types, with wildcards', () => {
    const f = { types: ['m.room.message', 'm.call.*'] };
    expect(matches(f, ev('m.room.message'))).toBe(true);
    expect(matches(f, ev('m.call.invite'))).toBe(true);
    expect(matches(f, ev('m.room.member'))).toBe(false);
  });

  test('not_types excludes, with wildcards', () => {
    const f = { not_types: ['m.room.member', 'org.spam.*'] };
    expect(matches(f, ev('m.room.member'))).toBe(false);
    expect(matches(f, ev('org.spam.x'))).toBe(false);
    expect(matches(f, ev('m.room.message'))).toBe(true);
  });

  test('not_types wins over types', () => {
    const f = { types: ['m.room.*'], not_types: ['m.room.member'] };
    expect(matches(f, ev('m.room.member'))).toBe(false);
    expect(matches(f, ev('m.room.name'))).toBe(true);
    expect(matches({ types: ['m.room.member'], not_types: ['m.*'] }, ev('m.room.member'))).toBe(false);
  });

  test('senders and not_senders, with not_senders winning', () => {
    expect(matches({ senders: ['@alice:x'] }, ev('t', '@alice:x'))).toBe(true);
    expect(matches({ senders: ['@alice:x'] }, ev('t', '@bob:x'))).toBe(false);
    expect(matches({ not_senders: ['@bob:x'] }, ev('t', '@bob:x'))).toBe(false);
    expect(matches({ not_senders: ['@bob:x'] }, ev('t', '@alice:x'))).toBe(true);
    expect(matches({ senders: ['@bob:x'], not_senders: ['@bob:x'] }, ev('t', '@bob:x'))).toBe(false);
  });

  test('senders are compared exactly: no wildcards', () => {
    expect(matches({ senders: ['@ali*'] }, ev('t', '@alice:x'))).toBe(false);
  });

  test('rooms and not_rooms, with not_rooms winning', () => {
    expect(matches({ rooms: ['!a:x'] }, ev('t', '@u:x', '!a:x'))).toBe(true);
    expect(matches({ rooms: ['!a:x'] }, ev('t', '@u:x', '!b:x'))).toBe(false);
    expect(matches({ not_rooms: ['!a:x'] }, ev('t', '@u:x', '!a:x'))).toBe(false);
    expect(matches({ rooms: ['!a:x'], not_rooms: ['!a:x'] }, ev('t', '@u:x', '!a:x'))).toBe(false);
  });

  test('an explicit roomId overrides the event room_id (sync strips it)', () => {
    const f = { rooms: ['!a:x'] };
    const stripped: FilterableEvent = { type: 't', sender: '@u:x', content: {} };
    expect(matches(f, stripped)).toBe(false);
    expect(matches(f, stripped, '!a:x')).toBe(true);
    expect(matches({ not_rooms: ['!a:x'] }, stripped, '!a:x')).toBe(false);
    expect(matches(f, ev('t', '@u:x', '!b:x'), '!a:x')).toBe(true);
  });

  test('events without sender or room fail inclusion lists and pass exclusion lists', () => {
    const accountData: FilterableEvent = { type: 'm.direct', content: {} };
    expect(matches({ senders: ['@a:x'] }, accountData)).toBe(false);
    expect(matches({ not_senders: ['@a:x'] }, accountData)).toBe(true);
    expect(matches({ rooms: ['!a:x'] }, accountData)).toBe(false);
    expect(matches({ not_rooms: ['!a:x'] }, accountData)).toBe(true);
  });

  describe('contains_url', () => {
    const withUrl = ev('m.room.message', '@a:x', '!r:x', { msgtype: 'm.image', url: 'mxc://x/y' });
    const withoutUrl = ev('m.room.message', '@a:x', '!r:x', { msgtype: 'm.text', body: 'hi' });
    const nonStringUrl = ev('m.room.message', '@a:x', '!r:x', { url: 42 });
    const noContent: FilterableEvent = { type: 'm.x' };
    const arrayContent = ev('m.x', '@a:x', '!r:x', ['url']);

    test('true keeps only events whose content.url is a string', () => {
      const f = { contains_url: true };
      expect(matches(f, withUrl)).toBe(true);
      expect(matches(f, withoutUrl)).toBe(false);
      expect(matches(f, nonStringUrl)).toBe(false);
      expect(matches(f, noContent)).toBe(false);
      expect(matches(f, arrayContent)).toBe(false);
    });

    test('false keeps only the others', () => {
      const f = { contains_url: false };
      expect(matches(f, withUrl)).toBe(false);
      expect(matches(f, withoutUrl)).toBe(true);
      expect(matches(f, nonStringUrl)).toBe(true);
      expect(matches(f, noContent)).toBe(true);
    });

    test('absent ignores url', () => {
      expect(matches({}, withUrl)).toBe(true);
      expect(matches({}, withoutUrl)).toBe(true);
    });
  });

  test('all conditions must hold together', () => {
    const f: RoomEventFilter = {
      types: ['m.room.*'],
      not_types: ['m.room.member'],
      senders: ['@a:x', '@b:x'],
      not_senders: ['@b:x'],
      rooms: ['!r:x'],
      not_rooms: ['!s:x'],
      contains_url: true,
    };
    const url = { url: 'mxc://a/b' };
    expect(matches(f, ev('m.room.message', '@a:x', '!r:x', url))).toBe(true);
    expect(matches(f, ev('m.room.message', '@a:x', '!r:x', {}))).toBe(false);
    expect(matches(f, ev('m.room.member', '@a:x', '!r:x', url))).toBe(false);
    expect(matches(f, ev('m.room.message', '@b:x', '!r:x', url))).toBe(false);
    expect(matches(f, ev('m.room.message', '@c:x', '!r:x', url))).toBe(false);
    expect(matches(f, ev('m.room.message', '@a:x', '!s:x', url))).toBe(false);
    expect(matches(f, ev('m.room.message', '@a:x', '!t:x', url))).toBe(false);
    expect(matches(f, ev('m.call.invite', '@a:x', '!r:x', url))).toBe(false);
  });

  test('empty inclusion lists match nothing; empty exclusion lists exclude nothing', () => {
    expect(matches({ types: [] }, ev('m.room.message'))).toBe(false);
    expect(matches({ senders: [] }, ev('m.room.message'))).toBe(false);
    expect(matches({ rooms: [] }, ev('m.room.message'))).toBe(false);
    expect(matches({ not_types: [], not_senders: [], not_rooms: [] }, ev('m.room.message'))).toBe(true);
  });
});

describe('filterMatchesNothing', () => {
  test.each<[RoomEventFilter | undefined, boolean]>([
    [undefined, false],
    [{}, false],
    [{ types: [] }, true],
    [{ senders: [] }, true],
    [{ rooms: [] }, true],
    [{ not_types: ['*'] }, true],
    [{ not_types: ['m.*'] }, false],
    [{ types: ['m.room.message'], not_types: ['m.room.member'] }, false],
    [{ limit: 0 }, false], // limit is the caller's business, not a match rule
  ])('%j → %s', (filter, expected) => {
    expect(filterMatchesNothing(filter)).toBe(expected);
    if (expected) expect(compileEventFilter(filter)(ev('m.room.message'))).toBe(false);
  });
});
