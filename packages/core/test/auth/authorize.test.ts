import { authorizeEvent } from '../../src/auth/authorize.js';
import type { RoomVersion } from '../../src/room-versions.js';
import { ALICE, ALL_VERSIONS, BOB, CAROL, DAVE, Room, expectAllowed, expectRejected, makeEvent, standardLevels, v, versionsWhere } from './builder.js';

const each = (versions: RoomVersion[]) => versions.map((r) => [r.id, r] as const);
const message = (sender: string) => ({ type: 'm.room.message', sender, content: { body: 'hi' } });

describe('the sender must be joined', () => {
  test.each(each(ALL_VERSIONS))('v%s: a non-member cannot send', (_id, version) => {
    const room = Room.started(version, standardLevels(version));
    expectRejected(room.check(message(BOB)), /not joined/);
    room.member(BOB, 'invite', ALICE);
    expectRejected(room.check(message(BOB)), /not joined/);
    room.member(BOB, 'join');
    expectAllowed(room.check(message(BOB)));
    room.member(BOB, 'leave');
    expectRejected(room.check(message(BOB)), /not joined/);
  });
});

describe('the room', () => {
  test.each(each(versionsWhere((r) => !r.roomIdFromCreateEvent)))('v%s: a create event of another room is rejected', (_id, version) => {
    const room = Room.started(version);
    expectRejected(room.check({ ...message(ALICE), room_id: '!elsewhere:a.example' }), /another room/);
  });

  test('v12: the room id must be the create event id', () => {
    const room = Room.started(v('12'));
    expectAllowed(room.check(message(ALICE)));
    expectRejected(room.check({ ...message(ALICE), room_id: '!elsewhere' }), /create event/);
  });

  test.each(each(ALL_VERSIONS))('v%s: m.federate false keeps other servers out', (_id, version) => {
    const room = new Room(version, ALICE, { 'm.federate': false }).member(ALICE, 'join').joinRule('public');
    room.member(DAVE, 'join').member(BOB, 'join');
    expectAllowed(room.check(message(DAVE))); // same server as the creator
    expectRejected(room.check(message(BOB)), /federated/);
    expectRejected(room.check({ type: 'm.room.member', state_key: CAROL, sender: CAROL, content: { membership: 'join' } }), /federated/);
    const federated = new Room(version, ALICE, { 'm.federate': true }).member(ALICE, 'join').member(BOB, 'join');
    expectAllowed(federated.check(message(BOB)));
  });
});

describe('m.room.aliases', () => {
  const aliases = (sender: string, stateKey: string | undefined) => ({
    type: 'm.room.aliases',
    sender,
    ...(stateKey === undefined ? {} : { state_key: stateKey }),
    content: { aliases: ['#a:b.example'] },
  });

  test.each(each(versionsWhere((r) => r.specialCaseAliasesAuth)))('v%s: the state_key must be the sender server; membership is not needed', (_id, version) => {
    const room = Room.started(version, standardLevels(version));
    expectAllowed(room.check(aliases(BOB, 'b.example')));
    expectRejected(room.check(aliases(BOB, 'a.example')), /server/);
    expectRejected(room.check(aliases(BOB, 'b.example.evil')), /server/);
    expectRejected(room.check(aliases(BOB, undefined)), /state_key/);
  });

  test.each(each(versionsWhere((r) => !r.specialCaseAliasesAuth)))('v%s: an ordinary state event', (_id, version) => {
    const room = Room.started(version, standardLevels(version, { [DAVE]: 50 })).member(BOB, 'join').member(DAVE, 'join');
    expectRejected(room.check(aliases(CAROL, 'c.example')), /not joined/);
    expectRejected(room.check(aliases(BOB, 'b.example')), /too low/);
    expectAllowed(room.check(aliases(DAVE, 'b.example')));
  });
});

describe('m.room.third_party_invite', () => {
  test.each(each(ALL_VERSIONS))('v%s: needs the invite level (not the state level)', (_id, version) => {
    const room = Room.started(version, { ...standardLevels(version, { [DAVE]: 20 }), invite: 20, state_default: 100 });
    room.member(DAVE, 'join').member(BOB, 'join');
    const tpi = (sender: string) => ({ type: 'm.room.third_party_invite', state_key: 'tok', sender, content: { public_key: 'k' } });
    expectAllowed(room.check(tpi(DAVE)));
    expectRejected(room.check(tpi(BOB)), /invite/);
    expectRejected(room.check(tpi(CAROL)), /not joined/);
  });
});

describe('required power level', () => {
  test.each(each(ALL_VERSIONS))('v%s: events, events_default and state_default', (_id, version) => {
    const room = Room.started(version, {
      ...standardLevels(version, { [DAVE]: 20 }),
      events_default: 10,
      state_default: 30,
      events: { 'm.room.topic': 20, 'm.sticker': 25 },
    });
    room.member(DAVE, 'join').member(BOB, 'join');
    expectAllowed(room.check(message(DAVE)));
    expectRejected(room.check(message(BOB)), /too low/);
    expectAllowed(room.check({ type: 'm.room.topic', state_key: '', sender: DAVE, content: {} }));
    expectRejected(room.check({ type: 'm.room.name', state_key: '', sender: DAVE, content: {} }), /too low/);
    expectRejected(room.check({ type: 'm.sticker', sender: DAVE, content: {} }), /too low/);
  });

  test.each(each(ALL_VERSIONS))('v%s: without power levels, only the creator(s) can send state', (_id, version) => {
    const room = Room.started(version).member(BOB, 'join');
    expectAllowed(room.check({ type: 'm.room.name', state_key: '', sender: ALICE, content: {} }));
    expectRejected(room.check({ type: 'm.room.name', state_key: '', sender: BOB, content: {} }), /too low/);
    expectAllowed(room.check(message(BOB)));
  });
});

describe("state keys starting with '@'", () => {
  test.each(each(ALL_VERSIONS))('v%s: must be the sender', (_id, version) => {
    const room = Room.started(version, standardLevels(version, { [DAVE]: 50 })).member(DAVE, 'join');
    expectAllowed(room.check({ type: 'm.custom', state_key: DAVE, sender: DAVE, content: {} }));
    expectRejected(room.check({ type: 'm.custom', state_key: BOB, sender: DAVE, content: {} }), /'@'/);
    expectAllowed(room.check({ type: 'm.custom', state_key: 'x@y', sender: DAVE, content: {} }));
  });
});

describe('m.room.redaction', () => {
  // makeEvent gives v1-style ids on the sender's server: `$eN:server`.
  const redaction = (room: Room, sender: string, redacts: string) =>
    makeEvent({ type: 'm.room.redaction', sender, room_id: room.roomId, redacts });

  test.each(each(versionsWhere((r) => r.redactionAuthCheck)))('v%s: the redact level, or an event of the same server', (_id, version) => {
    const room = Room.started(version, standardLevels(version, { [DAVE]: 50 })).member(DAVE, 'join').member(BOB, 'join');
    expectAllowed(room.check(redaction(room, DAVE, '$x:c.example'))); // at the redact level
    expectAllowed(room.check(redaction(room, BOB, '$x:b.example'))); // own server's event
    expectRejected(room.check(redaction(room, BOB, '$x:c.example')), /redact/);
  });

  test.each(each(versionsWhere((r) => !r.redactionAuthCheck)))('v%s: the redact level is not an auth rule', (_id, version) => {
    const room = Room.started(version, standardLevels(version)).member(BOB, 'join');
    expectAllowed(room.check(redaction(room, BOB, '$x:c.example')));
    room.powerLevels({ ...standardLevels(version), events: { 'm.room.redaction': 10 } });
    expectRejected(room.check(redaction(room, BOB, '$x:c.example')), /too low/);
  });
});

describe('hot path', () => {
  test('an allowed event allocates no decision object', () => {
    const room = Room.started(v('10')).member(BOB, 'join');
    const a = room.check(message(BOB));
    const b = room.check(message(ALICE));
    expect(a).toBe(b);
  });

  test('the state is looked up by (type, state_key)', () => {
    const version = v('10');
    const room = Room.started(version).member(BOB, 'join');
    const asked: string[] = [];
    const event = room.event(message(BOB));
    authorizeEvent(event, (t, k) => (asked.push(`${t}|${k}`), room.lookup(t, k)), version);
    expect(asked.sort()).toEqual(['m.room.create|', `m.room.member|${BOB}`, 'm.room.power_levels|']);
  });
});
