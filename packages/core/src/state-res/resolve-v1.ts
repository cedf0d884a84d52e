/**
 * State resolution of room version 1 (rooms/v1 "State resolution"): conflicts are
 * settled by depth and sha1(event_id), power levels first, then join rules, then
 * memberships, each checked against the state resolved so far; other conflicts take
 * the deepest event that passes auth. Known to reset state; kept for v1 rooms only.
 */
import { createHash } from 'node:crypto';
import { authorizeEvent } from '../auth/authorize.js';
import type { StateLookup } from '../auth/types.js';
import { splitStateKey, stateKeyOf, type RoomEvent, type StateKey, type StateMap } from '../events/pdu.js';
import { splitStateSets } from './state-sets.js';
import type { Steps } from './steps.js';
import type { ResolutionContext } from './types.js';

interface Candidate {
  readonly event: RoomEvent;
  readonly sha1: string;
}

/** Ascending depth, then descending sha1(event_id): the order the auth-event passes walk. */
function byDepthThenSha1Desc(a: Candidate, b: Candidate): number {
  if (a.event.depth !== b.event.depth) return a.event.depth - b.event.depth;
  return a.sha1 < b.sha1 ? 1 : a.sha1 > b.sha1 ? -1 : 0;
}

/** The state R, with `override` (if given) standing in R for its own key. */
function lookupIn(state: StateMap, ctx: ResolutionContext, override?: RoomEvent): StateLookup {
  return (type, stateKey) => {
    if (override !== undefined && override.type === type && override.state_key === stateKey) return override;
    const id = state.get(stateKeyOf(type, stateKey));
    return id === undefined ? undefined : ctx.getEvent(id);
  };
}

/** Power levels, join rules and memberships: start from the shallowest event and keep
 *  replacing it with the next one while the auth rules allow. */
function* resolveAuthConflict(
  candidates: Candidate[],
  state: StateMap,
  ctx: ResolutionContext,
): Steps<RoomEvent> {
  const [first, ...rest] = [...candidates].sort(byDepthThenSha1Desc);
  let current = first!.event;
  for (const { event } of rest) {
    const allowed = authorizeEvent(event, lookupIn(state, ctx, current), ctx.version).ok;
    yield;
    if (!allowed) break;
    current = event;
  }
  return current;
}

/** Any other type: the deepest event (lowest sha1 on a tie) that passes auth, else the
 *  shallowest (what the reference implementation does; the spec leaves it open). */
function* resolveOtherConflict(
  candidates: Candidate[],
  state: StateMap,
  ctx: ResolutionContext,
): Steps<RoomEvent> {
  const ordered = [...candidates].sort(byDepthThenSha1Desc).reverse();
  for (const { event } of ordered) {
    const allowed = authorizeEvent(event, lookupIn(state, ctx), ctx.version).ok;
    yield;
    if (allowed) return event;
  }
  return ordered[ordered.length - 1]!.event;
}

type Pass = (type: string) => boolean;
const PASSES: readonly Pass[] = [
  (type) => type === 'm.room.power_levels',
  (type) => type === 'm.room.join_rules',
  (type) => type === 'm.room.member',
];

export function* resolveV1(stateSets: readonly StateMap[], ctx: ResolutionContext): Steps<StateMap> {
  const { unconflicted, conflicted } = yield* splitStateSets(stateSets, false);
  const state: StateMap = new Map(unconflicted);
  const pending = new Map<StateKey, Candidate[]>();
  for (const [key, ids] of conflicted) {
    const candidates: Candidate[] = [];
    for (const id of ids) {
      const event = ctx.getEvent(id);
      if (event !== undefined) candidates.push({ event, sha1: createHash('sha1').update(id).digest('hex') });
    }
    if (candidates.length === 1) state.set(key, candidates[0]!.event.event_id);
    else if (candidates.length > 1) pending.set(key, candidates);
  }

  // Each pass resolves its keys against the state as it was when the pass began.
  for (const inPass of PASSES) {
    const resolved: Array<[StateKey, string]> = [];
    for (const [key, candidates] of pending) {
      if (!inPass(splitStateKey(key)[0])) continue;
      resolved.push([key, (yield* resolveAuthConflict(candidates, state, ctx)).event_id]);
      pending.delete(key);
    }
    for (const [key, id] of resolved) state.set(key, id);
  }
  const resolved: Array<[StateKey, string]> = [];
  for (const [key, candidates] of pending) {
    resolved.push([key, (yield* resolveOtherConflict(candidates, state, ctx)).event_id]);
  }
  for (const [key, id] of resolved) state.set(key, id);
  return state;
}
