/**
 * State resolution of room version 1 (rooms/v1.md "State resolution"): depth and
 * sha1(event_id) decide, keys missing from a state are not conflicts, and the known
 * resets the spec warns about do happen.
 */
import { createHash } from 'node:crypto';
import { getRoomVersion } from '../../src/room-versions.js';
import { resolveState } from '../../src/state-res/resolve.js';
import { ALICE, BOB, EVELYN, initialRoom, member } from './room-dag.js';

const v1 = getRoomVersion('1')!;
const v2 = getRoomVersion('2')!;
const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');
const topic = (text: string) => ({ type: 'm.room.topic', sender: ALICE, state_key: '', content: { topic: text } });

test('the deepest conflicting event wins, whatever its timestamp', () => {
  const dag = initialRoom(v1);
  dag.add('TDEEP1', topic('a'));
  dag.add('TDEEP2', topic('b')); // depth START + 2
  dag.add('TSHALLOW', { ...topic('c'), prev: ['START'], ts: 1e12 }); // depth START + 1, latest ts
  expect(dag.nameAt(dag.resolve(['TDEEP2', 'TSHALLOW']), 'm.room.topic')).toBe('TDEEP2');
  expect(dag.nameAt(dag.resolve(['TSHALLOW', 'TDEEP2']), 'm.room.topic')).toBe('TDEEP2');
});

test('at equal depth the lowest sha1(event_id) wins, not the lowest event id', () => {
  const dag = initialRoom(v1);
  dag.add('TA', topic('a'));
  dag.add('TB', { ...topic('b'), prev: ['START'] });
  const [a, b] = [dag.id('TA'), dag.id('TB')];
  expect(dag.event('TA').depth).toBe(dag.event('TB').depth);
  // The names are chosen so that the two orders disagree.
  expect(a < b).toBe(true);
  expect(sha1(b) < sha1(a)).toBe(true);
  expect(dag.nameAt(dag.resolve(['TA', 'TB']), 'm.room.topic')).toBe('TB');
  expect(dag.nameAt(dag.resolve(['TB', 'TA']), 'm.room.topic')).toBe('TB');
});

test('power levels: the shallowest is taken, then deeper ones while they pass auth', () => {
  const dag = initialRoom(v1);
  dag.add('PA', { type: 'm.room.power_levels', sender: ALICE, state_key: '', content: { users: { [ALICE]: 100, [BOB]: 100 } } });
  dag.add('PB', { type: 'm.room.power_levels', sender: BOB, state_key: '', content: { users: { [ALICE]: 100, [BOB]: 100 }, ban: 60 } });
  // The other fork: Alice (alone at 100 there) writes power levels deeper than PA, which
  // demote Bob; checked against PA (Bob at 100, equal to Alice) the demotion is refused.
  dag.add('X1', { ...topic('x1'), prev: ['START'] });
  dag.add('X2', topic('x2'));
  dag.add('PZ', { type: 'm.room.power_levels', sender: ALICE, state_key: '', content: { users: { [ALICE]: 100, [BOB]: 0 } } });
  expect(dag.event('PA').depth).toBeLessThan(dag.event('PB').depth);
  expect(dag.event('PB').depth).toBeLessThan(dag.event('PZ').depth);
  const state = dag.resolve(['PB', 'PZ']);
  // Ascending depth: PB first (taken as is); PZ must pass against PB, where Bob has 100
  // like Alice, so lowering him is refused and PB stays.
  expect(dag.nameAt(state, 'm.room.power_levels')).toBe('PB');
});

test('a key only some states have is not a conflict: a join racing a switch to invite-only survives', () => {
  const dag = initialRoom(v1);
  dag.add('JR', { type: 'm.room.join_rules', sender: ALICE, state_key: '', content: { join_rule: 'invite' } });
  dag.add('ME', { ...member(EVELYN, 'join'), prev: ['START'] });
  const state = dag.resolve(['JR', 'ME']);
  expect(dag.nameAt(state, 'm.room.join_rules')).toBe('JR');
  expect(dag.nameAt(state, 'm.room.member', EVELYN)).toBe('ME');
  // Version 2 rooms reject the join.
  expect(dag.nameAt(resolveState(v2, [dag.state('JR'), dag.state('ME')], dag.getEvent), 'm.room.member', EVELYN)).toBeUndefined();
});

test('the state reset the spec warns about: a banned user is back when the memberships are resolved', () => {
  const dag = initialRoom(v1);
  dag.add('PA', { type: 'm.room.power_levels', sender: ALICE, state_key: '', content: { users: { [ALICE]: 100, [BOB]: 50 } } });
  dag.add('MA', member(ALICE, 'join'));
  dag.add('MB', member(BOB, 'ban', ALICE));
  dag.add('PB', { type: 'm.room.power_levels', sender: BOB, state_key: '', content: { users: { [ALICE]: 100, [BOB]: 50 } }, prev: ['PA'] });
  const state = dag.resolve(['MB', 'PB']);
  // Bob's membership is conflicted (ban vs his join), so he is not in R when PB is
  // checked: PB fails and PA stays...
  expect(dag.nameAt(state, 'm.room.power_levels')).toBe('PA');
  // ...but Alice's membership is conflicted too (MA vs her first join), so during the
  // membership pass she is not joined in R, her ban of Bob fails, and his join stays.
  expect(dag.nameAt(state, 'm.room.member', BOB)).toBe('IMB');
  // Version 2 keeps the ban (see v2-scenarios.test.ts).
  expect(dag.nameAt(resolveState(v2, [dag.state('MB'), dag.state('PB')], dag.getEvent), 'm.room.member', BOB)).toBe('MB');
});
