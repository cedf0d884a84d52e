import { MatrixError } from '../../src/errors.js';
import { decodeFilterParam, parseFilter, parseRoomEventFilter } from '../../src/filters/index.js';

/** Runs fn, expecting a MatrixError; returns it. */
function caught(fn: () => unknown): MatrixError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MatrixError);
    return e as MatrixError;
  }
  throw new Error('expected a MatrixError');
}

// The example of POST /user/{userId}/filter in filter.yaml.
const SPEC_EXAMPLE = {
  room: {
    state: { types: ['m.room.*'], not_rooms: ['!726s6s6q:example.com'] },
    timeline: {
      limit: 10,
      types: ['m.room.message'],
      not_rooms: ['!726s6s6q:example.com'],
      not_senders: ['@spam:example.com'],
    },
    ephemeral: {
      types: ['m.receipt', 'm.typing'],
      not_rooms: ['!726s6s6q:example.com'],
      not_senders: ['@spam:example.com'],
    },
  },
  presence: { types: ['m.presence'], not_senders: ['@alice:example.com'] },
  event_format: 'client',
  event_fields: ['type', 'content', 'sender'],
};

describe('parseFilter: valid filters', () => {
  test('the spec example round-trips unchanged', () => {
    expect(parseFilter(structuredClone(SPEC_EXAMPLE))).toEqual(SPEC_EXAMPLE);
  });

  test('an empty filter is valid and stays empty', () => {
    expect(parseFilter({})).toEqual({});
  });

  test('every known field is kept', () => {
    const roomEventFilter = {
      limit: 5,
      types: ['m.room.message', 'm.*'],
      not_types: ['m.room.member'],
      senders: ['@a:x'],
      not_senders: ['@b:x'],
      rooms: ['!r:x'],
      not_rooms: ['!s:x'],
      contains_url: false,
      lazy_load_members: true,
      include_redundant_members: true,
      unread_thread_notifications: true,
    };
    const full = {
      event_format: 'federation',
      event_fields: ['content.body', 'content.m\\.relates_to'],
      presence: { limit: 1, types: ['m.presence'], not_types: [], senders: ['@a:x'], not_senders: [] },
      account_data: { limit: 2, types: ['m.direct'] },
      room: {
        rooms: ['!r:x'],
        not_rooms: ['!s:x'],
        include_leave: true,
        timeline: roomEventFilter,
        state: roomEventFilter,
        ephemeral: roomEventFilter,
        account_data: roomEventFilter,
      },
    };
    expect(parseFilter(structuredClone(full))).toEqual(full);
  });

  test('unknown fields are ignored at every level (forward compatibility)', () => {
    const parsed = parseFilter({
      'org.example.future': { anything: 1 },
      presence: { rooms: 'ignored: not an EventFilter field', 'x.y': 3 },
      room: { timeline: { limit: 3, 'org.matrix.labels': ['x'] }, 'x.z': null },
    });
    expect(parsed).toEqual({ presence: {}, room: { timeline: { limit: 3 } } });
  });

  test('limit 0 is accepted (clients send it to skip history)', () => {
    expect(parseFilter({ room: { timeline: { limit: 0 } } }).room?.timeline?.limit).toBe(0);
  });

  test('empty lists are kept, distinct from absent lists', () => {
    expect(parseFilter({ room: { rooms: [], state: { types: [] } } })).toEqual({ room: { rooms: [], state: { types: [] } } });
  });

  test('the result does not alias the input arrays', () => {
    const input = { room: { rooms: ['!a:x'] } };
    const parsed = parseFilter(input);
    input.room.rooms.push('!b:x');
    expect(parsed.room?.rooms).toEqual(['!a:x']);
  });
});

describe('parseFilter: invalid filters are M_BAD_JSON with the offending path', () => {
  const invalid: Array<[string, unknown, string]> = [
    ['not an object', [], 'the filter'],
    ['null', null, 'the filter'],
    ['a string', 'abc', 'the filter'],
    ['event_format not in the enum', { event_format: 'raw' }, 'event_format'],
    ['event_format not a string', { event_format: 1 }, 'event_format'],
    ['event_fields not an array', { event_fields: 'content' }, 'event_fields'],
    ['event_fields with a non-string', { event_fields: ['content', 3] }, 'event_fields'],
    ['presence not an object', { presence: [] }, 'presence'],
    ['presence.limit a string', { presence: { limit: '10' } }, 'presence.limit'],
    ['account_data.types with a null', { account_data: { types: [null] } }, 'account_data.types'],
    ['room not an object', { room: true }, 'room'],
    ['room.rooms not an array', { room: { rooms: '!a:x' } }, 'room.rooms'],
    ['room.rooms with an ID without !', { room: { rooms: ['#alias:x'] } }, 'room.rooms'],
    ['room.not_rooms with a number', { room: { not_rooms: [1] } }, 'room.not_rooms'],
    ['room.include_leave a string', { room: { include_leave: 'true' } }, 'room.include_leave'],
    ['room.timeline null', { room: { timeline: null } }, 'room.timeline'],
    ['room.timeline.limit negative', { room: { timeline: { limit: -1 } } }, 'room.timeline.limit'],
    ['room.timeline.limit fractional', { room: { timeline: { limit: 2.5 } } }, 'room.timeline.limit'],
    ['room.timeline.limit beyond 2^53', { room: { timeline: { limit: 2 ** 60 } } }, 'room.timeline.limit'],
    ['room.state.types a string', { room: { state: { types: 'm.room.member' } } }, 'room.state.types'],
    ['room.state.not_types with an object', { room: { state: { not_types: [{}] } } }, 'room.state.not_types'],
    ['room.state.senders without @', { room: { state: { senders: ['alice:x'] } } }, 'room.state.senders'],
    ['room.ephemeral.not_senders without @', { room: { ephemeral: { not_senders: ['*'] } } }, 'room.ephemeral.not_senders'],
    ['room.ephemeral.rooms without !', { room: { ephemeral: { rooms: ['r:x'] } } }, 'room.ephemeral.rooms'],
    ['room.account_data.not_rooms not an array', { room: { account_data: { not_rooms: {} } } }, 'room.account_data.not_rooms'],
    ['room.state.lazy_load_members a number', { room: { state: { lazy_load_members: 1 } } }, 'room.state.lazy_load_members'],
    ['room.state.include_redundant_members null', { room: { state: { include_redundant_members: null } } }, 'room.state.include_redundant_members'],
    ['room.timeline.unread_thread_notifications a string', { room: { timeline: { unread_thread_notifications: 'yes' } } }, 'room.timeline.unread_thread_notifications'],
    ['room.timeline.contains_url a string', { room: { timeline: { contains_url: 'true' } } }, 'room.timeline.contains_url'],
  ];

  test.each(invalid)('%s', (_name, json, path) => {
    const err = caught(() => parseFilter(json));
    expect(err.status).toBe(400);
    expect(err.errcode).toBe('M_BAD_JSON');
    expect(err.message).toContain(path);
  });

  test('M_INVALID_PARAM when the filter came in a query parameter', () => {
    const err = caught(() => parseFilter({ room: { timeline: { limit: 'x' } } }, 'M_INVALID_PARAM'));
    expect(err.status).toBe(400);
    expect(err.errcode).toBe('M_INVALID_PARAM');
    expect(err.toJSON()).toEqual({ errcode: 'M_INVALID_PARAM', error: expect.stringContaining('room.timeline.limit') });
  });
});

describe('parseRoomEventFilter (/messages, /context)', () => {
  test('accepts the spec example of /messages and every RoomEventFilter field', () => {
    expect(parseRoomEventFilter({ contains_url: true })).toEqual({ contains_url: true });
    const all = {
      limit: 3,
      types: ['m.room.message'],
      not_types: ['m.sticker'],
      senders: ['@a:x'],
      not_senders: ['@b:x'],
      rooms: ['!r:x'],
      not_rooms: ['!s:x'],
      contains_url: false,
      lazy_load_members: true,
      include_redundant_members: false,
      unread_thread_notifications: false,
    };
    expect(parseRoomEventFilter(structuredClone(all))).toEqual(all);
  });

  test('ignores Filter-level fields, which are not RoomEventFilter fields', () => {
    expect(parseRoomEventFilter({ event_format: 'nonsense', room: 1 })).toEqual({});
  });

  test('wrong types name the top-level key', () => {
    const err = caught(() => parseRoomEventFilter({ lazy_load_members: 'true' }, 'M_INVALID_PARAM'));
    expect(err.errcode).toBe('M_INVALID_PARAM');
    expect(err.message).toBe('Invalid filter: lazy_load_members must be a boolean');
    expect(caught(() => parseRoomEventFilter([])).message).toBe('Invalid filter: the filter must be an object');
  });
});

describe('decodeFilterParam', () => {
  test('decodes inline JSON', () => {
    expect(decodeFilterParam('{"room":{"timeline":{"limit":0}}}')).toEqual({ room: { timeline: { limit: 0 } } });
  });

  test.each(['{', '{"a":1}x', '', '{"a":1,"a":2}'])('refuses %j with M_INVALID_PARAM', (raw) => {
    const err = caught(() => decodeFilterParam(raw));
    expect(err.status).toBe(400);
    expect(err.errcode).toBe('M_INVALID_PARAM');
  });
});
