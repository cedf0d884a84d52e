/**
 * Auth chains: the events reachable through `auth_events` links (spec: rooms/v2
 * "Auth chain"). One breadth-first walk with a visited set, so each event of a
 * shared ancestry is loaded once however many starting events lead to it.
 */
import type { RoomEvent } from '../events/pdu.js';
import { CHEAP_STEPS_PER_CHECKPOINT, runToCompletion, type Steps } from './steps.js';
import type { EventLookup } from './types.js';

export interface AncestryOptions {
  /** Put the starting events themselves in the result (they are not part of their own auth chain). */
  includeStarts?: boolean;
  /** Events already accounted for: neither added nor walked through (their ancestry is
   *  assumed to be accounted for too). */
  stopAt?: ReadonlySet<string>;
  /** Stop as soon as every one of these events has been found. */
  lookingFor?: ReadonlySet<string>;
}

/** The events reachable from `starts` along auth_events, as ids. Events the lookup does
 *  not know are left out (and not walked through). */
export function* authAncestry(
  starts: Iterable<string>,
  getEvent: EventLookup,
  options: AncestryOptions = {},
): Steps<Set<string>> {
  const { includeStarts = false, stopAt, lookingFor } = options;
  const found = new Set<string>();
  const queue: RoomEvent[] = [];
  let sought = lookingFor?.size ?? -1;
  const add = (id: string): void => {
    found.add(id);
    if (lookingFor?.has(id)) sought--;
  };
  const enqueueAuthEvents = (event: RoomEvent): void => {
    const refs = event.auth_events;
    for (let i = 0; i < refs.length; i++) {
      const ref = refs[i]!;
      const authId = typeof ref === 'string' ? ref : ref[0];
      if (found.has(authId) || stopAt?.has(authId)) continue;
      const authEvent = getEvent(authId);
      if (authEvent === undefined) continue;
      add(authId);
      queue.push(authEvent);
    }
  };

  let work = 0;
  for (const id of starts) {
    if (stopAt?.has(id)) continue;
    if (includeStarts && found.has(id)) continue;
    const event = getEvent(id);
    if (event === undefined) continue;
    if (includeStarts) add(id);
    enqueueAuthEvents(event);
    if (sought === 0) return found;
    if (++work % CHEAP_STEPS_PER_CHECKPOINT === 0) yield;
  }
  for (let i = 0; i < queue.length && sought !== 0; i++) {
    enqueueAuthEvents(queue[i]!);
    if (++work % CHEAP_STEPS_PER_CHECKPOINT === 0) yield;
  }
  return found;
}

/** The union of the auth chains of the given events (spec definition: an event is not in
 *  its own auth chain, but is in the result if another given event's chain reaches it). */
export function authChain(eventIds: Iterable<string>, getEvent: EventLookup): Set<string> {
  return runToCompletion(authAncestry(eventIds, getEvent));
}
