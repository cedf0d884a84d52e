import { computeEventId, makeLegacyEventId, roomIdFromCreateEvent, toFederationPdu, toRoomEvent } from '../src/events/event-id.js';
import type { PDU } from '../src/events/pdu.js';
import { SAMPLE_MESSAGE_PDU } from './fixtures/sample-message-pdu.js';
import { isValidEventId } from '../src/identifiers/event-id.js';
import { isValidRoomId } from '../src/identifiers/room-id.js';
import { getRoomVersion, type RoomVersion } from '../src/room-versions.js';

const rv = (id: string): RoomVersion => getRoomVersion(id)!;

// Expected ids computed independently with Python (json.dumps canonical form + hashlib).
const message = SAMPLE_MESSAGE_PDU;

const create = {
  type: 'm.room.create',
  state_key: '',
  sender: '@alice:example.org',
  origin_server_ts: 1700000000000,
  depth: 1,
  prev_events: [],
  auth_events: [],
  content: { room_version: '12', additional_creators: ['@bob:example.org'], 'm.federate': true },
  hashes: { sha256: 'x' },
  signatures: {},
} as PDU;

describe('computeEventId', () => {
  test('v3 uses standard base64, v4+ URL-safe base64', () => {
    expect(computeEventId(message, rv('3'))).toBe('$AsTokvV27bFAwOVGZ9vzVXcxtEpIJ7nu/QJOPGpWq90');
    for (const id of ['4', '5', '6', '7', '8', '9', '10']) {
      expect(computeEventId(message, rv(id))).toBe('$AsTokvV27bFAwOVGZ9vzVXcxtEpIJ7nu_QJOPGpWq90');
    }
    expect(isValidEventId(computeEventId(message, rv('4')), rv('4'))).toBe(true);
    expect(isValidEventId(computeEventId(message, rv('3')), rv('3'))).toBe(true);
  });

  test('v1–2 events carry their id', () => {
    expect(computeEventId({ ...message, event_id: '$abc:example.org' }, rv('1'))).toBe('$abc:example.org');
    expect(() => computeEventId(message, rv('2'))).toThrow();
  });

  test('does not depend on content, unsigned or signatures', () => {
    const changed = { ...message, content: {}, unsigned: {}, signatures: {} };
    expect(computeEventId(changed, rv('10'))).toBe(computeEventId(message, rv('10')));
  });

  test('makeLegacyEventId makes unique valid v1 ids', () => {
    const a = makeLegacyEventId('example.org');
    const b = makeLegacyEventId('example.org');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^\$[A-Za-z0-9_-]+:example\.org$/);
    expect(isValidEventId(a, rv('1'))).toBe(true);
  });
});

describe('v12 room ids', () => {
  test('roomIdFromCreateEvent is ! + URL-safe reference hash of the create event', () => {
    const roomId = roomIdFromCreateEvent(create);
    expect(roomId).toBe('!i8rSQkRacCkuKfbfih51Xide7304otbHjkgOGcn3Mc0');
    expect(isValidRoomId(roomId, rv('12'))).toBe(true);
    expect(roomIdFromCreateEvent(create, rv('12'))).toBe(roomId);
  });

  test('refuses room versions whose ids do not derive from the create event', () => {
    expect(() => roomIdFromCreateEvent({ ...create, content: { room_version: '11' } })).toThrow();
    expect(() => roomIdFromCreateEvent({ ...create, content: {} })).toThrow();
    expect(() => roomIdFromCreateEvent({ ...create, content: { room_version: '99' } })).toThrow();
  });

  test('toRoomEvent fills in the room id of the create event and keeps others', () => {
    const ev = toRoomEvent(create, rv('12'));
    expect(ev.room_id).toBe('!i8rSQkRacCkuKfbfih51Xide7304otbHjkgOGcn3Mc0');
    expect(ev.event_id).toBe('$i8rSQkRacCkuKfbfih51Xide7304otbHjkgOGcn3Mc0');
    const msg = toRoomEvent({ ...message, room_id: ev.room_id }, rv('12'));
    expect(msg.room_id).toBe(ev.room_id);
  });
});

describe('toRoomEvent / toFederationPdu', () => {
  test('fills in event_id and round-trips to the same id', () => {
    for (const id of ['3', '4', '11']) {
      const ev = toRoomEvent(message, rv(id));
      expect(ev.event_id).toBe(computeEventId(message, rv(id)));
      expect(ev.room_id).toBe('!room:example.org');
      expect(computeEventId(toFederationPdu(ev, rv(id)), rv(id))).toBe(ev.event_id);
    }
    const create12 = toRoomEvent(create, rv('12'));
    const wire = toFederationPdu(create12, rv('12'));
    expect(wire).not.toHaveProperty('room_id');
    expect(wire).not.toHaveProperty('event_id');
    expect(roomIdFromCreateEvent(wire)).toBe(create12.room_id);
  });

  test('v1 events keep their event_id on the wire', () => {
    const legacy = { ...message, event_id: '$1:example.org' };
    const ev = toRoomEvent(legacy, rv('1'));
    expect(ev.event_id).toBe('$1:example.org');
    expect(toFederationPdu(ev, rv('1'))).toBe(ev);
  });

  test('throws when the room id is unknown', () => {
    const { room_id: _omit, ...noRoom } = message;
    expect(() => toRoomEvent(noRoom as PDU, rv('11'))).toThrow();
  });
});
