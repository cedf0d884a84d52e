/**
 * The two orderings of state resolution v2 on their own: reverse topological power
 * ordering (auth DAG first, then sender power, timestamp, event id) and mainline
 * ordering (mainline position, then timestamp, then event id).
 */
import { getRoomVersion } from '../../src/room-versions.js';
import { mainlineOrder } from '../../src/state-res/mainline-ordering.js';
import { reverseTopologicalPowerOrder } from '../../src/state-res/power-ordering.js';
import { runToCompletion } from '../../src/state-res/steps.js';
import type { ResolutionContext } from '../../src/state-res/types.js';
import { ALICE, BOB, CHARLIE, initialRoom, type RoomDag } from './room-dag.js';

const v10 = getRoomVersion('10')!;
const contextOf = (dag: RoomDag): ResolutionContext => ({ version: v10, getEvent: dag.getEvent, isRejected: () => false });
const pl = (sender: string, users: Record<string, number>) => ({
  type: 'm.room.power_levels',
  sender,
  state_key: '',
  content: { users: { [ALICE]: 100, ...users } },
});
const topic = (sender: string, ts?: number) => ({
  type: 'm.room.topic',
  sender,
  state_key: '',
  content: { topic: sender },
  ...(ts === undefined ? {} : { ts }),
});

function powerOrder(dag: RoomDag, names: string[]): string[] {
  const events = names.map((n) => dag.event(n));
  const within = new Set(events.map((e) => e.event_id));
  return runToCompletion(reverseTopologicalPowerOrder(events, within, contextOf(dag))).map((e) => e.event_id.slice(1));
}

test('power ordering: higher sender power first, then earlier timestamp, then smaller event id', () => {
  const dag = initialRoom(v10);
  dag.add('PA', pl(ALICE, { [BOB]: 50, [CHARLIE]: 50 }));
  // Three independent power events on forks from PA.
  dag.add('JB', { type: 'm.room.join_rules', sender: BOB, state_key: '', content: { join_rule: 'public' }, prev: ['PA'], ts: 5 });
  dag.add('JA', { type: 'm.room.join_rules', sender: ALICE, state_key: '', content: { join_rule: 'public' }, prev: ['PA'], ts: 9 });
  dag.add('JC2', { type: 'm.room.join_rules', sender: CHARLIE, state_key: '', content: { join_rule: 'public' }, prev: ['PA'], ts: 7 });
  dag.add('JC1', { type: 'm.room.join_rules', sender: CHARLIE, state_key: '', content: { join_rule: 'public' }, prev: ['PA'], ts: 7 });
  // Alice (100) despite the latest timestamp; Bob (ts 5) before Charlie (ts 7); JC1 < JC2 by id.
  expect(powerOrder(dag, ['JC2', 'JB', 'JA', 'JC1'])).toEqual(['JA', 'JB', 'JC1', 'JC2']);
});

test('power ordering: an auth event always comes before the events citing it', () => {
  const dag = initialRoom(v10);
  dag.add('PA', pl(ALICE, { [BOB]: 50 }));
  dag.add('PB', pl(BOB, { [BOB]: 50, [CHARLIE]: 50 })); // cites PA
  dag.add('PC', pl(ALICE, { [BOB]: 50, [CHARLIE]: 40 })); // cites PB
  // Alice, more powerful, on a fork with an earlier timestamp.
  dag.add('JA', { type: 'm.room.join_rules', sender: ALICE, state_key: '', content: { join_rule: 'public' }, prev: ['START'], ts: 1 });
  // PC (Alice) outranks PB (Bob) but cites it, so waits for it.
  expect(powerOrder(dag, ['PC', 'PB', 'JA', 'PA'])).toEqual(['JA', 'PA', 'PB', 'PC']);
  // Given only PC as a seed, its auth ancestors in the set are pulled in first.
  const within = new Set([dag.id('PA'), dag.id('PB'), dag.id('PC')]);
  const ordered = runToCompletion(reverseTopologicalPowerOrder([dag.event('PC')], within, contextOf(dag)));
  expect(ordered.map((e) => e.event_id.slice(1))).toEqual(['PA', 'PB', 'PC']);
});

test('mainline ordering: earlier mainline position first, then timestamp, then event id', () => {
  const dag = initialRoom(v10);
  dag.add('P1', pl(ALICE, { [BOB]: 50 }));
  dag.add('TLATE', topic(ALICE, 1e12)); // cites P1, the latest timestamp
  dag.add('P2', { ...pl(ALICE, { [BOB]: 50, [CHARLIE]: 50 }), prev: ['P1'] });
  dag.add('TB', { ...topic(BOB, 3e12), prev: ['P2'] }); // cites P2
  dag.add('TC', { ...topic(CHARLIE, 3e12), prev: ['P2'] }); // cites P2, same ts: by event id
  dag.add('PSIDE', { ...pl(ALICE, { [BOB]: 60 }), prev: ['P1'] }); // off the mainline, joins it at P1
  dag.add('TSIDE', { ...topic(BOB, 2e12), prev: ['PSIDE'] });
  dag.add('TOLD', { ...topic(ALICE, 5e12), prev: ['IMA'] }); // cites no power levels: position ∞
  const ctx = contextOf(dag);
  const events = ['TC', 'TB', 'TSIDE', 'TLATE', 'TOLD'].map((n) => dag.event(n));
  const ordered = runToCompletion(mainlineOrder(events, dag.event('P2'), ctx)).map((e) => e.event_id.slice(1));
  // TOLD (never reaches the mainline), then position 1 (P1) by timestamp: TLATE, TSIDE,
  // then position 0 (P2) by event id at the same timestamp: TB, TC.
  expect(ordered).toEqual(['TOLD', 'TLATE', 'TSIDE', 'TB', 'TC']);
});
