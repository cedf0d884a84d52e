/**
 * The auth checks a received event must pass (server-server API "Checks
 * performed on receipt of a PDU", steps 4–6): against the events it cites as
 * auth_events, against the state before it, and against the room's current
 * state (a failure of the last one only soft-fails it).
 */
import {
  authEventIds,
  authorizeEvent,
  checkAuthEventsList,
  stateKeyOf,
  type AuthDecision,
  type RoomEvent,
  type RoomVersion,
  type StateLookup,
} from '@lattice/core';

/** An event as the checks need it: whether it was itself rejected matters when it is cited. */
export interface KnownEvent {
  event: RoomEvent;
  rejected: boolean;
}

/** The room's create event id: in v12 it is never cited but the auth rules still read it. */
export function createEventIdOf(roomId: string, version: RoomVersion): string | undefined {
  return version.roomIdFromCreateEvent ? '$' + roomId.slice(1) : undefined;
}

/** A StateLookup over a list of state events (v12: plus the room's create event). */
export function lookupOf(events: Iterable<RoomEvent>, create?: RoomEvent): StateLookup {
  const byKey = new Map<string, RoomEvent>();
  for (const e of events) if (e.state_key !== undefined) byKey.set(stateKeyOf(e.type, e.state_key), e);
  if (create !== undefined) byKey.set(stateKeyOf('m.room.create', ''), create);
  return (type, stateKey) => byKey.get(stateKeyOf(type, stateKey));
}

/**
 * Step 4: the event against its own auth_events. `known` must hold every cited
 * event that we have; a missing one fails the check (the caller fetches them first).
 */
export function checkAuthEvents(
  event: RoomEvent,
  known: (eventId: string) => KnownEvent | undefined,
  version: RoomVersion,
  create?: RoomEvent,
): AuthDecision {
  const cited: RoomEvent[] = [];
  for (const id of authEventIds(event)) {
    const k = known(id);
    if (k === undefined) return { ok: false, reason: `auth event ${id} is unknown` };
    if (k.rejected) return { ok: false, reason: `auth event ${id} was rejected` };
    cited.push(k.event);
  }
  const list = checkAuthEventsList(event, cited, version);
  if (!list.ok) return list;
  return authorizeEvent(event, lookupOf(cited, create), version);
}

/** Steps 5 and 6: the event against a whole state (the state before it, or the current state). */
export function checkAgainstState(event: RoomEvent, state: StateLookup, version: RoomVersion): AuthDecision {
  return authorizeEvent(event, state, version);
}
