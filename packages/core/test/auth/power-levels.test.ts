import {
  DEFAULT_POWER_LEVELS,
  effectivePowerLevels,
  notificationPowerLevel,
  parsePowerLevelValue,
  parsePowerLevels,
  powerLevelsContentError,
  powerLevelsOf,
  requiredPowerForEvent,
  roomCreators,
  userPowerLevel,
} from '../../src/auth/power-levels.js';
import type { RoomVersion } from '../../src/room-versions.js';
import { ALICE, ALL_VERSIONS, BOB, CAROL, DAVE, Room, expectAllowed, expectRejected, standardLevels, v, versionsWhere } from './builder.js';

const each = (versions: RoomVersion[]) => versions.map((r) => [r.id, r] as const);

describe('power level values', () => {
  test('v1–5 accept floats (truncated) and integer strings', () => {
    const v1 = v('1');
    expect(parsePowerLevelValue(50.57, v1)).toBe(50);
    expect(parsePowerLevelValue(-5.9, v1)).toBe(-5);
    expect(parsePowerLevelValue(5.114698e4, v1)).toBe(51146);
    expect(parsePowerLevelValue(Infinity, v1)).toBeNaN();
    expect(parsePowerLevelValue(' +100 ', v1)).toBe(100);
    expect(parsePowerLevelValue('000100', v1)).toBe(100);
    expect(parsePowerLevelValue('-100', v1)).toBe(-100);
    expect(parsePowerLevelValue('-0', v1)).toBe(0);
  });

  test.each(each(versionsWhere((r) => !r.enforceIntPowerLevels)))('v%s: malformed strings are not levels', (_id, version) => {
    for (const bad of ['50.5', '', ' ', 'abc', '1e3', '+-1', '0x10']) expect(parsePowerLevelValue(bad, version)).toBeNaN();
    expect(parsePowerLevelValue(true, version)).toBeNaN();
    expect(parsePowerLevelValue(null, version)).toBeNaN();
  });

  test.each(each(versionsWhere((r) => r.strictCanonicalJson && !r.enforceIntPowerLevels)))('v%s: strings but no floats', (_id, version) => {
    expect(parsePowerLevelValue('75', version)).toBe(75);
    expect(parsePowerLevelValue(50.5, version)).toBeNaN();
  });

  test.each(each(versionsWhere((r) => r.enforceIntPowerLevels)))('v%s: integers only', (_id, version) => {
    expect(parsePowerLevelValue(75, version)).toBe(75);
    expect(parsePowerLevelValue('75', version)).toBeNaN();
    expect(parsePowerLevelValue(50.5, version)).toBeNaN();
    expect(parsePowerLevelValue(2 ** 53, version)).toBeNaN();
  });
});

describe('effective power levels', () => {
  test('defaults without an m.room.power_levels event', () => {
    const room = new Room(v('10'));
    const pl = effectivePowerLevels(room.lookup, room.version);
    expect(pl).toBe(DEFAULT_POWER_LEVELS);
    expect([pl.ban, pl.kick, pl.redact, pl.invite, pl.eventsDefault, pl.stateDefault, pl.usersDefault]).toEqual([50, 50, 50, 0, 0, 50, 0]);
    expect(notificationPowerLevel('room', pl)).toBe(50);
    expect(notificationPowerLevel('other', pl)).toBeUndefined();
  });

  test('defaults fill what the content leaves out', () => {
    const pl = parsePowerLevels({ ban: 70, events: { 'm.room.name': 20 }, notifications: { room: 10 }, users: { [BOB]: '30' } }, v('9'));
    expect(pl.error).toBeUndefined();
    expect([pl.ban, pl.kick, pl.redact, pl.invite, pl.eventsDefault, pl.stateDefault, pl.usersDefault]).toEqual([70, 50, 50, 0, 0, 50, 0]);
    expect(pl.explicit.ban).toBe(70);
    expect(pl.explicit.kick).toBeUndefined();
    expect(pl.users.get(BOB)).toBe(30);
    expect(notificationPowerLevel('room', pl)).toBe(10);
    expect(requiredPowerForEvent('m.room.name', true, pl)).toBe(20);
    expect(requiredPowerForEvent('m.room.topic', true, pl)).toBe(50);
    expect(requiredPowerForEvent('m.room.message', false, pl)).toBe(0);
  });

  test.each([
    ['v10 string at the top level', { ban: '50' }, '10', /ban/],
    ['v10 null at the top level', { kick: null }, '10', /kick/],
    ['v10 string in events', { events: { x: '1' } }, '10', /events\.x/],
    ['v10 string in notifications', { notifications: { room: '1' } }, '10', /notifications\.room/],
    ['events not an object', { events: [1] }, '5', /events/],
    ['users not an object', { users: 'x' }, '5', /users/],
    ['users with an invalid key', { users: { bob: 1 } }, '5', /invalid key/],
    ['users with a float (v6)', { users: { [BOB]: 1.5 } }, '6', /users/],
    ['users with a non-integer string', { users: { [BOB]: 'high' } }, '3', /users/],
  ])('%s is an error', (_what, content, versionId, reason) => {
    const pl = parsePowerLevels(content as Record<string, unknown>, v(versionId));
    expect(pl.error).toMatch(reason);
  });

  test('v1–9 read a null top-level value as absent', () => {
    expect(parsePowerLevels({ kick: null }, v('9')).error).toBeUndefined();
  });

  test('parsed levels are cached per event and room version', () => {
    const room = Room.started(v('9'), { ban: '60' });
    const event = room.lookup('m.room.power_levels', '')!;
    const a = powerLevelsOf(event, v('9'));
    expect(powerLevelsOf(event, v('9'))).toBe(a);
    expect(a.ban).toBe(60);
    const strict = powerLevelsOf(event, v('10'));
    expect(strict).not.toBe(a);
    expect(strict.ban).toBe(50);
    expect(strict.error).toMatch(/ban/);
  });

  test('powerLevelsContentError: malformed content and v12 creators', () => {
    const r10 = new Room(v('10'));
    expect(powerLevelsContentError({ users: { [ALICE]: 100 } }, v('10'), r10.create)).toBeUndefined();
    expect(powerLevelsContentError({ users: { [ALICE]: '100' } }, v('10'), r10.create)).toMatch(/users/);
    const r12 = new Room(v('12'), ALICE, { additional_creators: [BOB] });
    expect(powerLevelsContentError({ users: { [CAROL]: 100 } }, v('12'), r12.create)).toBeUndefined();
    expect(powerLevelsContentError({ users: { [BOB]: 100 } }, v('12'), r12.create)).toMatch(/creator/);
  });
});

describe('userPowerLevel', () => {
  test.each(each(versionsWhere((r) => !r.implicitRoomCreator)))('v%s: without power levels, content.creator has 100', (_id, version) => {
    const room = new Room(version, ALICE, { creator: BOB });
    expect(userPowerLevel(BOB, room.lookup, version)).toBe(100);
    expect(userPowerLevel(ALICE, room.lookup, version)).toBe(0);
  });

  test('v11: without power levels, the create sender has 100', () => {
    const room = new Room(v('11'), ALICE, { creator: BOB });
    expect(userPowerLevel(ALICE, room.lookup, room.version)).toBe(100);
    expect(userPowerLevel(BOB, room.lookup, room.version)).toBe(0);
  });

  test.each(each(versionsWhere((r) => !r.privilegedCreators)))('v%s: with power levels, users or users_default', (_id, version) => {
    const room = Room.started(version, { users: { [BOB]: 42 }, users_default: 7 });
    expect(userPowerLevel(BOB, room.lookup, version)).toBe(42);
    expect(userPowerLevel(ALICE, room.lookup, version)).toBe(7); // the creator is not special any more
    expect(userPowerLevel(CAROL, room.lookup, version)).toBe(7);
  });

  test('v12: creators are infinitely powerful, with or without power levels', () => {
    const version = v('12');
    const room = new Room(version, ALICE, { additional_creators: [BOB, BOB] });
    expect(roomCreators(room.create, version)).toEqual([ALICE, BOB]);
    expect(userPowerLevel(ALICE, room.lookup, version)).toBe(Infinity);
    expect(userPowerLevel(BOB, room.lookup, version)).toBe(Infinity);
    expect(userPowerLevel(CAROL, room.lookup, version)).toBe(0);
    room.powerLevels({ users: { [CAROL]: 100 }, users_default: 3 });
    expect(userPowerLevel(ALICE, room.lookup, version)).toBe(Infinity);
    expect(userPowerLevel(CAROL, room.lookup, version)).toBe(100);
    expect(userPowerLevel(DAVE, room.lookup, version)).toBe(3);
  });
});

describe('m.room.power_levels auth rule', () => {
  const plEvent = (content: Record<string, unknown>, sender = DAVE) => ({ type: 'm.room.power_levels', state_key: '', sender, content });

  /** Dave (50) is the sender under test; Carol is at 50 and Bob at 10. */
  const modRoom = (version: RoomVersion, extra: Record<string, unknown> = {}) =>
    Room.started(version, { ...standardLevels(version, { [DAVE]: 50, [CAROL]: 50, [BOB]: 10 }), ...extra })
      .member(DAVE, 'join')
      .member(CAROL, 'join')
      .member(BOB, 'join');
  const current = (room: Room) => room.lookup('m.room.power_levels', '')!.content as Record<string, unknown>;
  const withUsers = (room: Room, users: Record<string, unknown>) => ({ ...current(room), users });
  const users = (room: Room) => current(room)['users'] as Record<string, unknown>;

  test.each(each(ALL_VERSIONS))('v%s: the first power levels event needs only the state level', (_id, version) => {
    const room = Room.started(version).member(BOB, 'join');
    expectAllowed(room.check(plEvent(standardLevels(version), ALICE)));
    expectRejected(room.check(plEvent(standardLevels(version), BOB)), /too low/);
  });

  test.each(each(ALL_VERSIONS))('v%s: a user cannot raise their own level above theirs', (_id, version) => {
    const room = modRoom(version);
    expectRejected(room.check(plEvent(withUsers(room, { ...users(room), [DAVE]: 51 }))), /own level/);
    expectAllowed(room.check(plEvent(withUsers(room, { ...users(room), [DAVE]: 50 }))));
  });

  test.each(each(ALL_VERSIONS))('v%s: a user may lower their own level', (_id, version) => {
    const room = modRoom(version);
    expectAllowed(room.check(plEvent(withUsers(room, { ...users(room), [DAVE]: 0 }))));
    const { [DAVE]: _dave, ...rest } = users(room);
    expectAllowed(room.check(plEvent(withUsers(room, rest))));
  });

  test.each(each(ALL_VERSIONS))('v%s: other users at or above the sender cannot be changed or removed', (_id, version) => {
    const room = modRoom(version);
    expectRejected(room.check(plEvent(withUsers(room, { ...users(room), [CAROL]: 0 }))), /own level/);
    const { [CAROL]: _carol, ...rest } = users(room);
    expectRejected(room.check(plEvent(withUsers(room, rest))), /own level/);
  });

  test.each(each(ALL_VERSIONS))('v%s: lower users can be changed up to the sender level, or removed', (_id, version) => {
    const room = modRoom(version);
    expectAllowed(room.check(plEvent(withUsers(room, { ...users(room), [BOB]: 50 }))));
    expectRejected(room.check(plEvent(withUsers(room, { ...users(room), [BOB]: 51 }))), /own level/);
    expectRejected(room.check(plEvent(withUsers(room, { ...users(room), [ALICE + 'x']: 51 }))), /own level/); // added
    const { [BOB]: _bob, ...rest } = users(room);
    expectAllowed(room.check(plEvent(withUsers(room, rest))));
  });

  test.each(each(ALL_VERSIONS))('v%s: top-level levels: added, changed or removed only within the sender level', (_id, version) => {
    const room = modRoom(version, { kick: 75, invite: 40 });
    const c = current(room);
    expectRejected(room.check(plEvent({ ...c, kick: 25 })), /kick/); // current above sender
    expectRejected(room.check(plEvent({ ...c, invite: 51 })), /invite/); // new above sender
    expectAllowed(room.check(plEvent({ ...c, invite: 50 })));
    const { kick: _kick, ...noKick } = c;
    expectRejected(room.check(plEvent(noKick)), /kick/); // removed while above sender
    const { invite: _invite, ...noInvite } = c;
    expectAllowed(room.check(plEvent(noInvite)));
    expectRejected(room.check(plEvent({ ...c, users_default: 60 })), /users_default/);
    expectAllowed(room.check(plEvent({ ...c, users_default: 5 })));
    // Unchanged values above the sender are fine.
    expectAllowed(room.check(plEvent({ ...c })));
  });

  test.each(each(ALL_VERSIONS))('v%s: event levels: changed, removed or added only within the sender level', (_id, version) => {
    const room = modRoom(version, { events: { 'm.room.name': 50, 'm.room.tombstone': 100 } });
    const c = current(room);
    expectAllowed(room.check(plEvent({ ...c, events: { 'm.room.name': 0, 'm.room.tombstone': 100 } })));
    expectRejected(room.check(plEvent({ ...c, events: { 'm.room.name': 50, 'm.room.tombstone': 50 } })), /event level/);
    expectRejected(room.check(plEvent({ ...c, events: { 'm.room.name': 50 } })), /event level/);
    expectRejected(room.check(plEvent({ ...c, events: { ...(c['events'] as object), 'm.custom': 51 } })), /event level/);
    expectAllowed(room.check(plEvent({ ...c, events: { ...(c['events'] as object), 'm.custom': 50 } })));
  });

  test.each(each(ALL_VERSIONS))('v%s: notification levels are checked from v6', (_id, version) => {
    const room = modRoom(version, { notifications: { room: 100 } });
    const d = room.check(plEvent({ ...current(room), notifications: { room: 0 } }));
    if (version.limitNotificationsPowerLevels) expectRejected(d, /notification/);
    else expectAllowed(d);
  });

  test.each(each(versionsWhere((r) => !r.enforceIntPowerLevels)))('v%s: string levels are accepted and compared as numbers', (_id, version) => {
    const room = modRoom(version, { ban: '100' });
    expectAllowed(room.check(plEvent({ ...current(room), ban: 100, users: { ...users(room), [BOB]: ' 20 ' } })));
  });

  test.each(each(versionsWhere((r) => r.enforceIntPowerLevels)))('v%s: non-integer levels are rejected', (_id, version) => {
    const room = modRoom(version);
    const c = current(room);
    expectRejected(room.check(plEvent({ ...c, ban: '50' })), /ban/);
    expectRejected(room.check(plEvent({ ...c, events: { x: '5' } })), /events/);
    expectRejected(room.check(plEvent({ ...c, notifications: 'x' })), /notifications/);
    expectRejected(room.check(plEvent({ ...c, users: { ...users(room), [BOB]: '10' } })), /users/);
  });

  test.each(each(ALL_VERSIONS))('v%s: users must be keyed by valid user ids', (_id, version) => {
    const room = modRoom(version);
    expectRejected(room.check(plEvent({ ...current(room), users: { ...users(room), 'not a user': 0 } })), /invalid key/);
  });

  test('v12: creators may not appear in users', () => {
    const version = v('12');
    const room = new Room(version, ALICE, { additional_creators: [BOB] }).member(ALICE, 'join').member(BOB, 'join');
    expectRejected(room.check(plEvent({ users: { [ALICE]: 100 } }, ALICE)), /creators/);
    expectRejected(room.check(plEvent({ users: { [BOB]: 100 } }, ALICE)), /creators/);
    expectAllowed(room.check(plEvent({ users: { [CAROL]: 100 } }, BOB)));
  });

  test('v12: a creator may change anything; a 100 cannot remove a 100', () => {
    const version = v('12');
    const room = new Room(version).member(ALICE, 'join').member(CAROL, 'join').member(DAVE, 'join');
    room.powerLevels({ users: { [CAROL]: 100, [DAVE]: 100 }, ban: 100 });
    expectAllowed(room.check(plEvent({ users: {}, ban: 1000 }, ALICE)));
    expectRejected(room.check(plEvent({ users: { [CAROL]: 100 }, ban: 100 }, CAROL)), /own level/);
  });
});
