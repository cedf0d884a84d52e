import { getRoomVersion } from '../../src/room-versions.js';
import { authChain } from '../../src/state-res/auth-chain.js';
import { authDifference } from '../../src/state-res/auth-difference.js';
import { runToCompletion } from '../../src/state-res/steps.js';
import { ALICE, BOB, initialRoom, member } from './room-dag.js';

const v10 = getRoomVersion('10')!;
const names = (ids: Iterable<string>) => [...ids].map((id) => id.slice(1)).sort();

test('the auth chain is everything reachable through auth_events, without the event itself', () => {
  const dag = initialRoom(v10);
  dag.add('MB', member(BOB, 'leave'));
  // MB cites CREATE, IPOWER, IMB (Bob's join); IMB cites IJR too; IPOWER cites IMA.
  expect(names(authChain([dag.id('MB')], dag.getEvent))).toEqual(['CREATE', 'IJR', 'IMA', 'IMB', 'IPOWER']);
  expect(names(authChain([dag.id('IMA')], dag.getEvent))).toEqual(['CREATE']);
  expect(authChain([dag.id('CREATE')], dag.getEvent).size).toBe(0);
  // Union over several events; one given event in another's chain is included.
  expect(names(authChain([dag.id('IMA'), dag.id('IPOWER')], dag.getEvent))).toEqual(['CREATE', 'IMA']);
});

test('the auth difference holds the events in some but not all full auth chains', () => {
  const dag = initialRoom(v10);
  dag.add('PA', { type: 'm.room.power_levels', sender: ALICE, state_key: '', content: { users: { [ALICE]: 100, [BOB]: 50 } } });
  dag.add('MB', member(BOB, 'leave'));
  dag.add('TA', { type: 'm.room.topic', sender: ALICE, state_key: '', content: { topic: 'x' }, prev: ['START'] });
  const s1 = dag.state('MB');
  const s2 = dag.state('TA');
  const unconflicted = new Map([...s1].filter(([k, v]) => s2.get(k) === v));
  const conflictedKeys = [...new Set([...s1.keys(), ...s2.keys()])].filter((k) => !unconflicted.has(k));
  const diff = runToCompletion(authDifference([s1, s2], unconflicted, conflictedKeys, dag.getEvent));
  // PA and MB are only on the first side, TA only on the second; the rest is shared.
  expect(names(diff)).toEqual(['MB', 'PA', 'TA']);
});

test('the auth difference leaves out superseded events that the unconflicted state still reaches', () => {
  const dag = initialRoom(v10);
  dag.add('PA', { type: 'm.room.power_levels', sender: ALICE, state_key: '', content: { users: { [ALICE]: 100 } } });
  dag.add('TA', { type: 'm.room.topic', sender: ALICE, state_key: '', content: { topic: 'x' } });
  const s1 = dag.state('TA');
  const s2 = dag.state('PA');
  const unconflicted = new Map([...s2]); // everything but the topic
  const topicKey = [...s1.keys()].filter((k) => !s2.has(k));
  // TA's chain holds IPOWER, superseded by PA; only the unconflicted PA (on both sides)
  // cites it, so it is in both full chains.
  expect(names(runToCompletion(authDifference([s1, s2], unconflicted, topicKey, dag.getEvent)))).toEqual(['TA']);
});
