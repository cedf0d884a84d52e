import { authEventKeys, checkAuthEventsList } from '../../src/auth/auth-events.js';
import type { RoomEvent } from '../../src/events/pdu.js';
import type { RoomVersion } from '../../src/room-versions.js';
import { ALICE, ALL_VERSIONS, BOB, CAROL, Room, expectAllowed, expectRejected, standardLevels, v, versionsWhere } from './builder.js';

const each = (versions: RoomVersion[]) => versions.map((r) => [r.id, r] as const);
const createKey = (version: RoomVersion): Array<[string, string]> => (version.roomIdFromCreateEvent ? [] : [['m.room.create', '']]);

describe('authEventKeys', () => {
  test.each(each(ALL_VERSIONS))('v%s: a message cites create (before v12), power levels and the sender', (_id, version) => {
    expect(authEventKeys({ type: 'm.room.message', sender: BOB, content: {} }, version)).toEqual([
      ...createKey(version),
      ['m.room.power_levels', ''],
      ['m.room.member', BOB],
    ]);
  });

  test.each(each(ALL_VERSIONS))('v%s: m.room.create cites nothing', (_id, version) => {
    expect(authEventKeys({ type: 'm.room.create', state_key: '', sender: ALICE, content: {} }, version)).toEqual([]);
  });

  test.each(each(ALL_VERSIONS))('v%s: memberships cite the target and, for join/invite/knock, the join rules', (_id, version) => {
    const member = (membership: string, target = BOB, sender = ALICE, extra: Record<string, unknown> = {}) =>
      authEventKeys({ type: 'm.room.member', state_key: target, sender, content: { membership, ...extra } }, version);
    const base = [...createKey(version), ['m.room.power_levels', '']];
    expect(member('invite')).toEqual([...base, ['m.room.member', ALICE], ['m.room.member', BOB], ['m.room.join_rules', '']]);
    expect(member('join', BOB, BOB)).toEqual([...base, ['m.room.member', BOB], ['m.room.join_rules', '']]);
    expect(member('knock', BOB, BOB)).toEqual([...base, ['m.room.member', BOB], ['m.room.join_rules', '']]);
    expect(member('ban')).toEqual([...base, ['m.room.member', ALICE], ['m.room.member', BOB]]);
    expect(member('leave', BOB, BOB)).toEqual([...base, ['m.room.member', BOB]]);
    expect(member('invite', BOB, ALICE, { third_party_invite: { signed: { mxid: BOB, token: 'tok' } } })).toEqual([
      ...base,
      ['m.room.member', ALICE],
      ['m.room.member', BOB],
      ['m.room.join_rules', ''],
      ['m.room.third_party_invite', 'tok'],
    ]);
    const restricted = member('join', BOB, BOB, { join_authorised_via_users_server: CAROL });
    if (version.restrictedJoinRule) {
      expect(restricted).toEqual([...base, ['m.room.member', BOB], ['m.room.join_rules', ''], ['m.room.member', CAROL]]);
    } else {
      expect(restricted).toEqual([...base, ['m.room.member', BOB], ['m.room.join_rules', '']]);
    }
  });
});

describe('checkAuthEventsList', () => {
  /** A room where Bob is invited, with the events a join by Bob may cite. */
  function setup(version: RoomVersion) {
    const room = Room.started(version, standardLevels(version)).joinRule('invite').member(BOB, 'invite', ALICE);
    const get = (type: string, key: string) => room.lookup(type, key)!;
    const cited = [
      ...(version.roomIdFromCreateEvent ? [] : [get('m.room.create', '')]),
      get('m.room.power_levels', ''),
      get('m.room.join_rules', ''),
      get('m.room.member', BOB),
    ];
    const joinCiting = (authEvents: RoomEvent[]) =>
      room.event({
        type: 'm.room.member',
        state_key: BOB,
        sender: BOB,
        content: { membership: 'join' },
        auth_events: authEvents.map((e) => e.event_id),
      });
    return { room, get, cited, joinCiting };
  }

  test.each(each(ALL_VERSIONS))('v%s: the selected events are accepted', (_id, version) => {
    const { cited, joinCiting } = setup(version);
    expectAllowed(checkAuthEventsList(joinCiting(cited), [...cited].reverse(), version));
  });

  test.each(each(ALL_VERSIONS))('v%s: two events for one (type, state_key) are rejected', (_id, version) => {
    const { room, cited, joinCiting } = setup(version);
    const otherRules = room.event({ type: 'm.room.join_rules', state_key: '', sender: ALICE, content: { join_rule: 'public' } });
    const list = [...cited, otherRules];
    expectRejected(checkAuthEventsList(joinCiting(list), list, version), /duplicate/);
    const twice = [...cited, cited[0]!];
    expectRejected(checkAuthEventsList(joinCiting(twice), twice, version), /duplicate/);
  });

  test.each(each(ALL_VERSIONS))('v%s: events outside the selection are rejected', (_id, version) => {
    const { room, cited, joinCiting } = setup(version);
    const name = room.event({ type: 'm.room.name', state_key: '', sender: ALICE, content: { name: 'x' } });
    const carol = room.event({ type: 'm.room.member', state_key: CAROL, sender: CAROL, content: { membership: 'join' } });
    for (const extra of [name, carol]) {
      const list = [...cited, extra];
      expectRejected(checkAuthEventsList(joinCiting(list), list, version), /may cite/);
    }
  });

  test.each(each(versionsWhere((r) => !r.roomIdFromCreateEvent)))('v%s: the create event must be cited', (_id, version) => {
    const { cited, joinCiting } = setup(version);
    const list = cited.slice(1);
    expectRejected(checkAuthEventsList(joinCiting(list), list, version), /m\.room\.create/);
  });

  test('v12: the create event must not be cited', () => {
    const version = v('12');
    const { get, cited, joinCiting } = setup(version);
    const list = [get('m.room.create', ''), ...cited];
    expectRejected(checkAuthEventsList(joinCiting(list), list, version), /may cite/);
  });

  test.each(each(ALL_VERSIONS))('v%s: auth events from another room are rejected', (_id, version) => {
    const { cited, joinCiting } = setup(version);
    const moved = cited.map((e) => (e.type === 'm.room.power_levels' ? { ...e, room_id: '!other:a.example' } : e));
    expectRejected(checkAuthEventsList(joinCiting(moved), moved, version), /another room/);
  });

  test.each(each(ALL_VERSIONS))('v%s: the supplied events must be the cited ones', (_id, version) => {
    const { cited, joinCiting } = setup(version);
    const event = joinCiting(cited);
    expectRejected(checkAuthEventsList(event, cited.slice(0, -1), version), /differ/);
    const swapped = [...cited.slice(0, -1), { ...cited[cited.length - 1]!, event_id: '$not-cited' }];
    expectRejected(checkAuthEventsList(event, swapped, version), /not in auth_events/);
  });

  test.each(each(ALL_VERSIONS))('v%s: a non-state auth event is rejected', (_id, version) => {
    const { room, cited, joinCiting } = setup(version);
    const msg = room.event({ type: 'm.room.message', sender: ALICE, content: {} });
    const list = [...cited, msg];
    expectRejected(checkAuthEventsList(joinCiting(list), list, version), /not a state event/);
  });

  test.each(each(ALL_VERSIONS))('v%s: m.room.create must cite nothing', (_id, version) => {
    const { room, cited } = setup(version);
    expectAllowed(checkAuthEventsList(room.create, [], version));
    expectRejected(checkAuthEventsList(room.create, cited, version), /must not have auth_events/);
  });
});
