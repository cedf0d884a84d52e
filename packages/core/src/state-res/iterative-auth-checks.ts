/**
 * Spec (rooms/v2 "Iterative auth checks"): apply each state event of a sorted list to
 * the state if the auth rules allow it against that state. A key the rules need
 * that the state lacks comes from the event's own auth_events; rejected events are
 * never used as auth events.
 */
import { authorizeEvent } from '../auth/authorize.js';
import type { StateLookup } from '../auth/types.js';
import { authEventIds, stateKeyOf, type RoomEvent, type StateKey } from '../events/pdu.js';
import { impliedCreateEventId } from './event-facts.js';
import type { Steps } from './steps.js';
import type { ResolutionContext } from './types.js';

/** The state being built: a StateMap, or a layer of changes over one. */
export interface WorkingState {
  get(key: StateKey): string | undefined;
  set(key: StateKey, eventId: string): unknown;
}

/** The state the auth rules see for `event`: `state` first, then the event's auth events. */
export function authStateFor(event: RoomEvent, state: WorkingState, ctx: ResolutionContext): StateLookup {
  return (type, stateKey) => {
    const id = state.get(stateKeyOf(type, stateKey));
    if (id !== undefined && !ctx.isRejected(id)) {
      const found = ctx.getEvent(id);
      if (found !== undefined) return found;
    }
    // v12 never cites the create event: the room id names it.
    if (ctx.version.roomIdFromCreateEvent && type === 'm.room.create' && stateKey === '') {
      return ctx.getEvent(impliedCreateEventId(event.room_id));
    }
    for (const authId of authEventIds(event)) {
      const authEvent = ctx.getEvent(authId);
      if (authEvent?.type === type && authEvent.state_key === stateKey && !ctx.isRejected(authId)) return authEvent;
    }
    return undefined;
  };
}

/** Applies `events` in order to `state` (mutated), keeping those the auth rules allow. */
export function* iterativeAuthChecks(events: readonly RoomEvent[], state: WorkingState, ctx: ResolutionContext): Steps<void> {
  for (const event of events) {
    if (event.state_key === undefined) continue;
    if (authorizeEvent(event, authStateFor(event, state, ctx), ctx.version).ok) {
      state.set(stateKeyOf(event.type, event.state_key), event.event_id);
    }
    yield;
  }
}
