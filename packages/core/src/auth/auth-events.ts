/**
 * Auth events selection (which state an event must cite as auth_events) and the
 * auth rule about the cited list itself (rule 2 of v1–11, rule 3 of v12).
 * Sources: content/server-server-api.md "Auth events selection",
 * content/rooms/v1.md rule 2, v12.md rule 3.
 */
import type { RoomEvent } from '../events/pdu.js';
import type { RoomVersion } from '../room-versions.js';
import { ALLOW, isObject, reject, type AuthDecision } from './types.js';

export interface AuthEventsSubject {
  type: string;
  state_key?: string;
  sender: string;
  content: Record<string, unknown>;
}

/** The (type, state_key) pairs an event may (and, where they exist in the room, should)
 *  cite. Empty for m.room.create; never includes m.room.create in room version 12. */
export function authEventKeys(event: AuthEventsSubject, version: RoomVersion): Array<[string, string]> {
  if (event.type === 'm.room.create') return [];
  const keys: Array<[string, string]> = [];
  if (!version.roomIdFromCreateEvent) keys.push(['m.room.create', '']);
  keys.push(['m.room.power_levels', '']);
  keys.push(['m.room.member', event.sender]);

  if (event.type === 'm.room.member' && typeof event.state_key === 'string') {
    const { content } = event;
    const membership = content['membership'];
    if (event.state_key !== event.sender) keys.push(['m.room.member', event.state_key]);
    if (membership === 'join' || membership === 'invite' || membership === 'knock') {
      keys.push(['m.room.join_rules', '']);
    }
    if (membership === 'invite') {
      const tpi = content['third_party_invite'];
      const signed = isObject(tpi) ? tpi['signed'] : undefined;
      const token = isObject(signed) ? signed['token'] : undefined;
      if (typeof token === 'string') keys.push(['m.room.third_party_invite', token]);
    }
    const authoriser = content['join_authorised_via_users_server'];
    if (
      membership === 'join' &&
      version.restrictedJoinRule &&
      typeof authoriser === 'string' &&
      authoriser !== event.sender &&
      authoriser !== event.state_key
    ) {
      keys.push(['m.room.member', authoriser]);
    }
  }
  return keys;
}

function isSelected(keys: Array<[string, string]>, type: string, stateKey: string): boolean {
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (k[0] === type && k[1] === stateKey) return true;
  }
  return false;
}

function cites(event: RoomEvent, eventId: string): boolean {
  const refs = event.auth_events;
  for (let i = 0; i < refs.length; i++) {
    const r = refs[i]!;
    if ((typeof r === 'string' ? r : r[0]) === eventId) return true;
  }
  return false;
}

/**
 * Checks the event's own auth_events. `authEvents` are the events it cites (all of them,
 * in any order): no two for the same (type, state_key), none outside the selection, an
 * m.room.create among them before v12, all in the event's room. Whether any of them was
 * itself rejected is for the caller to check.
 */
export function checkAuthEventsList(event: RoomEvent, authEvents: RoomEvent[], version: RoomVersion): AuthDecision {
  if (event.type === 'm.room.create') {
    return authEvents.length === 0 ? ALLOW : reject('m.room.create must not have auth_events');
  }
  if (authEvents.length !== event.auth_events.length) {
    return reject('auth_events and the supplied auth events differ');
  }
  const keys = authEventKeys(event, version);
  let hasCreate = false;
  for (let i = 0; i < authEvents.length; i++) {
    const a = authEvents[i]!;
    if (!cites(event, a.event_id)) return reject(`auth event ${a.event_id} is not in auth_events`);
    if (a.state_key === undefined) return reject(`auth event ${a.event_id} is not a state event`);
    for (let j = 0; j < i; j++) {
      const b = authEvents[j]!;
      if (b.type === a.type && b.state_key === a.state_key) {
        return reject(`duplicate auth events for (${a.type}, ${a.state_key})`);
      }
    }
    if (!isSelected(keys, a.type, a.state_key)) {
      return reject(`auth event (${a.type}, ${a.state_key}) is not one the event may cite`);
    }
    if (a.room_id !== event.room_id) return reject(`auth event ${a.event_id} is from another room`);
    if (a.type === 'm.room.create') hasCreate = true;
  }
  if (!version.roomIdFromCreateEvent && !hasCreate) return reject('auth_events has no m.room.create');
  return ALLOW;
}
