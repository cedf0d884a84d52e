import { splitStateSets } from '../../src/state-res/state-sets.js';
import { runToCompletion } from '../../src/state-res/steps.js';

const sets = [
  new Map([['a', '$1'], ['b', '$2'], ['c', '$3']]),
  new Map([['a', '$1'], ['b', '$9'], ['d', '$4']]),
  new Map([['a', '$1'], ['b', '$2'], ['c', '$3'], ['d', '$4']]),
];
const sorted = (m: Map<string, Set<string>>) => [...m].map(([k, v]) => [k, [...v].sort()]).sort();

test('v2: a key is unconflicted only when every set has it with the same event', () => {
  const { unconflicted, conflicted } = runToCompletion(splitStateSets(sets, true));
  expect([...unconflicted]).toEqual([['a', '$1']]);
  expect(sorted(conflicted)).toEqual([['b', ['$2', '$9']], ['c', ['$3']], ['d', ['$4']]]);
});

test('v1: a key some sets lack is not a conflict', () => {
  const { unconflicted, conflicted } = runToCompletion(splitStateSets(sets, false));
  expect([...unconflicted].sort()).toEqual([['a', '$1'], ['c', '$3'], ['d', '$4']]);
  expect(sorted(conflicted)).toEqual([['b', ['$2', '$9']]]);
});
