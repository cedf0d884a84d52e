/**
 * Spec (rooms/v2 "Auth difference"): ∪Cᵢ − ∩Cᵢ over the full auth chains Cᵢ of the
 * state sets. Each Cᵢ is U ∪ Dᵢ, where U is the ancestry of the unconflicted events
 * (common to every Cᵢ) and Dᵢ that of the set's conflicted values, so the difference
 * is (∪Dᵢ − ∩Dᵢ) − U. The Dᵢ are small; U is the whole room (every member's join),
 * so it is only walked when some candidate is not obviously in it, and only until
 * all candidates are found. Each Cᵢ here also holds the set's own events (as the
 * reference implementations do); that changes the difference only by conflicted
 * events, which are in the full conflicted set anyway.
 */
import { stateKeyOf, type StateKey, type StateMap } from '../events/pdu.js';
import { authAncestry } from './auth-chain.js';
import type { Steps } from './steps.js';
import type { EventLookup } from './types.js';

export function* authDifference(
  stateSets: readonly StateMap[],
  unconflicted: StateMap,
  conflictedKeys: Iterable<StateKey>,
  getEvent: EventLookup,
): Steps<Set<string>> {
  const keys = [...conflictedKeys];
  // How many of the Dᵢ each event is in.
  const count = new Map<string, number>();
  for (const set of stateSets) {
    const own: string[] = [];
    for (const key of keys) {
      const id = set.get(key);
      if (id !== undefined) own.push(id);
    }
    for (const id of yield* authAncestry(own, getEvent, { includeStarts: true })) count.set(id, (count.get(id) ?? 0) + 1);
  }

  const candidates = new Set<string>();
  for (const [id, n] of count) {
    if (n === stateSets.length) continue;
    // An unconflicted event is in U itself.
    const event = getEvent(id)!;
    if (event.state_key !== undefined && unconflicted.get(stateKeyOf(event.type, event.state_key)) === id) continue;
    candidates.add(id);
  }
  if (candidates.size === 0) return candidates;

  const inU = yield* authAncestry(unconflicted.values(), getEvent, { includeStarts: true, lookingFor: candidates });
  for (const id of inU) candidates.delete(id);
  return candidates;
}
