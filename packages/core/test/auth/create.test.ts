import { authorizeEvent } from '../../src/auth/authorize.js';
import { isRoomIdOfCreateEvent, roomIdOfCreateEvent } from '../../src/auth/create-event.js';
import { ALICE, ALL_VERSIONS, BOB, Room, expectAllowed, expectRejected, makeCreate, makeEvent, v, versionsWhere } from './builder.js';

const none = () => undefined;

describe('m.room.create', () => {
  test.each(ALL_VERSIONS.map((r) => [r.id, r]))('v%s: a well-formed create event is allowed', (_id, version) => {
    expectAllowed(authorizeEvent(makeCreate(version), none, version));
  });

  test.each(ALL_VERSIONS.map((r) => [r.id, r]))('v%s: a create event with prev_events (a second create) is rejected', (_id, version) => {
    const room = new Room(version).member(ALICE, 'join');
    const second = { ...makeCreate(version), room_id: room.roomId, prev_events: [room.create.event_id] };
    if (version.roomIdFromCreateEvent) second.room_id = roomIdOfCreateEvent(second.event_id);
    expectRejected(authorizeEvent(second, room.lookup, version), /prev_events/);
  });

  test.each(versionsWhere((r) => !r.roomIdFromCreateEvent).map((r) => [r.id, r]))(
    'v%s: room_id on another server than the sender is rejected',
    (_id, version) => {
      const create = { ...makeCreate(version), room_id: '!room:b.example' };
      expectRejected(authorizeEvent(create, none, version), /domain/);
    },
  );

  test.each(versionsWhere((r) => !r.implicitRoomCreator).map((r) => [r.id, r]))('v%s: content without creator is rejected', (_id, version) => {
    const create = makeCreate(version);
    delete create.content['creator'];
    expectRejected(authorizeEvent(create, none, version), /creator/);
  });

  test.each([v('11'), v('12')].map((r) => [r.id, r]))('v%s: the creator is implicit (no content.creator needed)', (_id, version) => {
    const create = makeCreate(version);
    expect(create.content['creator']).toBeUndefined();
    expectAllowed(authorizeEvent(create, none, version));
  });

  test.each(ALL_VERSIONS.map((r) => [r.id, r]))('v%s: an unknown room_version is rejected, a missing one allowed', (_id, version) => {
    expectRejected(authorizeEvent(makeCreate(version, ALICE, { room_version: '999' }), none, version), /room_version/);
    expectRejected(authorizeEvent(makeCreate(version, ALICE, { room_version: 12 }), none, version), /room_version/);
    const create = makeCreate(version);
    delete create.content['room_version'];
    expectAllowed(authorizeEvent(create, none, version));
  });

  describe('v12', () => {
    const v12 = v('12');
    test('a create event carrying its own room_id is rejected', () => {
      const create = { ...makeCreate(v12), room_id: '!other:a.example' };
      expectRejected(authorizeEvent(create, none, v12), /room_id/);
    });

    test('the room id is the create event id with the ! sigil', () => {
      expect(roomIdOfCreateEvent('$abc_-')).toBe('!abc_-');
      expect(isRoomIdOfCreateEvent('!abc', '$abc')).toBe(true);
      expect(isRoomIdOfCreateEvent('!abd', '$abc')).toBe(false);
      expect(isRoomIdOfCreateEvent('$abc', '$abc')).toBe(false);
      expect(isRoomIdOfCreateEvent('!abc:x', '$abc')).toBe(false);
    });

    test('valid additional_creators are allowed', () => {
      expectAllowed(authorizeEvent(makeCreate(v12, ALICE, { additional_creators: [BOB, '@weird\u00e9:[::1]:8448'] }), none, v12));
    });

    test.each([
      ['not an array', BOB],
      ['a non-string', [BOB, 5]],
      ['no sigil', ['bob:b.example']],
      ['no server name', ['@bob']],
      ['a bad server name', ['@bob:b_example!']],
      ['too long', [`@${'x'.repeat(260)}:b.example`]],
    ])('additional_creators that is %s is rejected', (_what, value) => {
      expectRejected(authorizeEvent(makeCreate(v12, ALICE, { additional_creators: value }), none, v12), /additional_creators/);
    });

    test('additional_creators is ignored before v12', () => {
      const v11 = v('11');
      expectAllowed(authorizeEvent(makeCreate(v11, ALICE, { additional_creators: 'junk' }), none, v11));
    });
  });

  test('an event in a room whose state has no create event is rejected', () => {
    const version = v('10');
    const event = makeEvent({ type: 'm.room.message', sender: ALICE, content: {} });
    expectRejected(authorizeEvent(event, none, version), /m\.room\.create/);
  });
});
