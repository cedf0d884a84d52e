/**
 * Splitting the state sets into the unconflicted state map and the conflicted
 * state. The two algorithms disagree on keys that only some sets have: v1 calls a
 * conflict "different event ids for the same key", so such a key is unconflicted;
 * v2 requires the key "present in every S_i with the same value".
 */
import type { StateKey, StateMap } from '../events/pdu.js';
import { CHEAP_STEPS_PER_CHECKPOINT, type Steps } from './steps.js';

export interface SplitState {
  unconflicted: StateMap;
  /** Each conflicted key with the distinct event ids the sets hold for it. */
  conflicted: Map<StateKey, Set<string>>;
}

export function* splitStateSets(stateSets: readonly StateMap[], missingKeyConflicts: boolean): Steps<SplitState> {
  const unconflicted: StateMap = new Map();
  const conflicted = new Map<StateKey, Set<string>>();
  /** How many keys of each set are classified already. */
  const classified = new Array<number>(stateSets.length).fill(0);

  /** Classifies a key first met in set `from` (the earlier sets lack it) with `value`. */
  const classify = (key: StateKey, value: string, from: number): void => {
    let values: Set<string> | undefined; // only allocated on a conflict
    let present = 1;
    classified[from]++;
    for (let i = from + 1; i < stateSets.length; i++) {
      const id = stateSets[i]!.get(key);
      if (id === undefined) continue;
      present++;
      classified[i]++;
      if (id !== value) (values ??= new Set([value])).add(id);
    }
    if (values === undefined && (present === stateSets.length || !missingKeyConflicts)) unconflicted.set(key, value);
    else conflicted.set(key, values ?? new Set([value]));
  };

  let work = 0;
  // Every key is classified in the first set that has it, once.
  for (let i = 0; i < stateSets.length; i++) {
    const set = stateSets[i]!;
    if (classified[i] === set.size) continue; // (usual for i > 0: the sets share their keys)
    for (const [key, id] of set) {
      if (++work % CHEAP_STEPS_PER_CHECKPOINT === 0) yield;
      if (i > 0 && (unconflicted.has(key) || conflicted.has(key))) continue;
      classify(key, id, i);
    }
  }
  return { unconflicted, conflicted };
}
