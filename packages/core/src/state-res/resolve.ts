/**
 * Entry points: pick the room version's algorithm and drive it synchronously or in
 * event-loop-friendly slices (the same generator either way).
 */
import type { StateMap } from '../events/pdu.js';
import type { RoomVersion } from '../room-versions.js';
import { resolveV1 } from './resolve-v1.js';
import { resolveV2 } from './resolve-v2.js';
import { runInSlices, runToCompletion, type Steps } from './steps.js';
import type { EventLookup, ResolutionContext, ResolveOptions } from './types.js';

const NOTHING_REJECTED = (): boolean => false;

function resolution(
  version: RoomVersion,
  stateSets: readonly StateMap[],
  getEvent: EventLookup,
  options: ResolveOptions,
): Steps<StateMap> {
  const ctx: ResolutionContext = { version, getEvent, isRejected: options.isRejected ?? NOTHING_REJECTED };
  return version.stateResolution === 'v1' ? resolveV1(stateSets, ctx) : resolveV2(stateSets, ctx);
}

/** The resolution of the state sets (room state before an event with several prev_events). */
export function resolveState(
  version: RoomVersion,
  stateSets: StateMap[],
  getEvent: EventLookup,
  options: ResolveOptions = {},
): StateMap {
  return runToCompletion(resolution(version, stateSets, getEvent, options));
}

/** resolveState, giving the event loop back (setImmediate) after every `sliceMs` of work. */
export function resolveStateSliced(
  version: RoomVersion,
  stateSets: StateMap[],
  getEvent: EventLookup,
  sliceMs = 10,
  options: ResolveOptions = {},
): Promise<StateMap> {
  return runInSlices(resolution(version, stateSets, getEvent, options), sliceMs);
}
