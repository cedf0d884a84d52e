/**
 * State resolution v2 (rooms/v2 "Algorithm") and v2.1 (rooms/v12: the full conflicted
 * set also holds the conflicted state subgraph, and the power events are replayed
 * from an empty state instead of the unconflicted state map).
 */
import { stateKeyOf, type RoomEvent, type StateMap } from '../events/pdu.js';
import { authDifference } from './auth-difference.js';
import { conflictedStateSubgraph } from './conflicted-subgraph.js';
import { isPowerEvent } from './event-facts.js';
import { iterativeAuthChecks, type WorkingState } from './iterative-auth-checks.js';
import { mainlineOrder } from './mainline-ordering.js';
import { reverseTopologicalPowerOrder } from './power-ordering.js';
import { splitStateSets } from './state-sets.js';
import type { Steps } from './steps.js';
import type { ResolutionContext } from './types.js';

const POWER_LEVELS_KEY = stateKeyOf('m.room.power_levels', '');

export function* resolveV2(stateSets: readonly StateMap[], ctx: ResolutionContext): Steps<StateMap> {
  const v21 = ctx.version.stateResolution === 'v2.1';
  const { unconflicted, conflicted } = yield* splitStateSets(stateSets, true);
  if (conflicted.size === 0) return unconflicted;

  const conflictedIds = new Set<string>();
  for (const ids of conflicted.values()) for (const id of ids) conflictedIds.add(id);
  const fullIds = new Set(conflictedIds);
  for (const id of yield* authDifference(stateSets, unconflicted, conflicted.keys(), ctx.getEvent)) fullIds.add(id);
  if (v21) for (const id of yield* conflictedStateSubgraph(conflictedIds, ctx.getEvent)) fullIds.add(id);

  // Events the caller could not load take no part.
  const fullConflicted: RoomEvent[] = [];
  for (const id of fullIds) {
    const event = ctx.getEvent(id);
    if (event === undefined) fullIds.delete(id);
    else fullConflicted.push(event);
  }

  // 1–2: power events and their conflicted ancestry, replayed in power order.
  const powerOrdered = yield* reverseTopologicalPowerOrder(fullConflicted.filter(isPowerEvent), fullIds, ctx);
  // What the checks change, seen over the unconflicted state map in v2 (no copy of it).
  const changes: StateMap = new Map();
  const state: WorkingState = v21
    ? changes
    : { get: (key) => changes.get(key) ?? unconflicted.get(key), set: (key, id) => changes.set(key, id) };
  yield* iterativeAuthChecks(powerOrdered, state, ctx);

  // 3–4: everything else, in mainline order of the power levels just resolved.
  const replayed = new Set(powerOrdered.map((e) => e.event_id));
  const rest = fullConflicted.filter((e) => !replayed.has(e.event_id));
  const powerLevelsId = state.get(POWER_LEVELS_KEY);
  const powerLevels = powerLevelsId === undefined ? undefined : ctx.getEvent(powerLevelsId);
  yield* iterativeAuthChecks(yield* mainlineOrder(rest, powerLevels, ctx), state, ctx);

  // 5: the unconflicted state map always wins (it is ours to extend).
  for (const [key, id] of changes) if (!unconflicted.has(key)) unconflicted.set(key, id);
  return unconflicted;
}
