/**
 * State resolution v2 on the scenarios the reference implementations test (the
 * MSC1442 / Synapse test_v2 cases), run for room versions resolved with v2 and v2.1.
 */
import { getRoomVersion, type RoomVersion } from '../../src/room-versions.js';
import { resolveState } from '../../src/state-res/resolve.js';
import { ALICE, BOB, CHARLIE, EVELYN, initialRoom, member, powerLevels } from './room-dag.js';

const versions = ['2', '10', '12'].map((id) => getRoomVersion(id)!);

describe.each(versions.map((v) => [v.id, v] as const))('room version %s', (_id, version: RoomVersion) => {
  const topic = (sender: string, text: string) => ({ type: 'm.room.topic', sender, state_key: '', content: { topic: text } });
  const pl = (sender: string, users: Record<string, number>, extra?: Record<string, unknown>) => ({
    type: 'm.room.power_levels',
    sender,
    state_key: '',
    content: powerLevels(version, users, extra),
  });

  test('a ban survives a fork where the banned user still had power (ban vs power levels)', () => {
    const dag = initialRoom(version);
    dag.add('PA', pl(ALICE, { [BOB]: 50 }));
    dag.add('MA', member(ALICE, 'join'));
    dag.add('MB', member(BOB, 'ban', ALICE));
    // Bob, unaware of the ban, re-issues power levels on a fork from PA.
    dag.add('PB', { ...pl(BOB, { [BOB]: 50 }), prev: ['PA'] });
    const state = dag.resolve(['MB', 'PB']);
    expect(dag.nameAt(state, 'm.room.power_levels')).toBe('PA');
    expect(dag.nameAt(state, 'm.room.member', ALICE)).toBe('MA');
    expect(dag.nameAt(state, 'm.room.member', BOB)).toBe('MB');
    // The same with the state sets in the other order.
    expect(resolveState(version, [dag.state('PB'), dag.state('MB')], dag.getEvent)).toEqual(state);
  });

  test('a topic set by an admin who was demoted on the other fork is dropped (topic basic)', () => {
    const dag = initialRoom(version);
    dag.add('T1', topic(ALICE, 't1'));
    dag.add('PA1', pl(ALICE, { [BOB]: 50 }));
    dag.add('T2', topic(ALICE, 't2'));
    dag.add('PA2', pl(ALICE, { [BOB]: 0 }));
    dag.add('PB', { ...pl(BOB, { [BOB]: 50 }), prev: ['PA1'] });
    dag.add('T3', topic(BOB, 't3'));
    const state = dag.resolve(['PA2', 'T3']);
    expect(dag.nameAt(state, 'm.room.power_levels')).toBe('PA2');
    expect(dag.nameAt(state, 'm.room.topic')).toBe('T2');
  });

  test('a topic resets to the older one when its sender was banned (topic reset)', () => {
    const dag = initialRoom(version);
    dag.add('T1', topic(ALICE, 't1'));
    dag.add('PA', pl(ALICE, { [BOB]: 50 }));
    dag.add('T2', topic(BOB, 't2'));
    dag.add('MB', member(BOB, 'ban', ALICE));
    const state = dag.resolve(['MB', 'T1']);
    expect(dag.nameAt(state, 'm.room.topic')).toBe('T1');
    expect(dag.nameAt(state, 'm.room.member', BOB)).toBe('MB');
    expect(dag.nameAt(state, 'm.room.power_levels')).toBe('PA');
  });

  test('a join racing with a switch to invite-only is rejected (join rule evasion)', () => {
    const dag = initialRoom(version);
    dag.add('JR', { type: 'm.room.join_rules', sender: ALICE, state_key: '', content: { join_rule: 'invite' } });
    dag.add('ME', { ...member(EVELYN, 'join'), prev: ['START'] });
    const state = dag.resolve(['JR', 'ME']);
    expect(dag.nameAt(state, 'm.room.join_rules')).toBe('JR');
    expect(dag.nameAt(state, 'm.room.member', EVELYN)).toBeUndefined();
  });

  test('power levels granted on one fork stay valid through the auth difference (offtopic power levels)', () => {
    const dag = initialRoom(version);
    dag.add('PA', pl(ALICE, { [BOB]: 50 }));
    dag.add('PB', pl(BOB, { [BOB]: 50, [CHARLIE]: 50 }));
    dag.add('PC', pl(CHARLIE, { [BOB]: 50, [CHARLIE]: 0 }));
    const state = dag.resolve(['PC', 'PA']);
    expect(dag.nameAt(state, 'm.room.power_levels')).toBe('PC');
  });

  test('concurrent power level changes: the more powerful sender is applied first', () => {
    const dag = initialRoom(version);
    dag.add('PA', pl(ALICE, { [BOB]: 50 }));
    dag.add('PA2', pl(ALICE, {})); // Alice demotes Bob...
    dag.add('PB', { ...pl(BOB, { [BOB]: 50, [CHARLIE]: 50 }), prev: ['PA'] }); // ...while Bob promotes Charlie
    dag.add('TC', topic(CHARLIE, 'charlie was here'));
    for (const order of [['PA2', 'TC'], ['TC', 'PA2']]) {
      const state = dag.resolve(order);
      expect(dag.nameAt(state, 'm.room.power_levels')).toBe('PA2');
      expect(dag.nameAt(state, 'm.room.topic')).toBeUndefined();
    }
  });

  test('conflicted topics are applied in mainline order, not timestamp order (mainline sort)', () => {
    const dag = initialRoom(version);
    dag.add('T1', topic(ALICE, 't1'));
    dag.add('PA1', pl(ALICE, { [BOB]: 50 }));
    dag.add('T2', topic(ALICE, 't2'));
    dag.add('PA2', pl(ALICE, { [BOB]: 50 }, { events: { 'm.room.power_levels': 100 } }));
    dag.add('PB', { ...pl(BOB, { [BOB]: 50 }), prev: ['PA1'] });
    dag.add('T3', { ...topic(BOB, 't3'), prev: ['PA2'] });
    dag.add('T4', { ...topic(ALICE, 't4'), prev: ['PB'] }); // the latest timestamp
    const state = dag.resolve(['T3', 'T4']);
    expect(dag.nameAt(state, 'm.room.power_levels')).toBe('PA2');
    // T4 hangs off PB (joins PA2's mainline at PA1), T3 off PA2 itself: T3 is applied last.
    expect(dag.nameAt(state, 'm.room.topic')).toBe('T3');
  });

  test('states without conflicts resolve to their union', () => {
    const dag = initialRoom(version);
    const before = dag.state('START');
    expect(resolveState(version, [before, dag.state('START')], dag.getEvent)).toEqual(before);
  });
});
