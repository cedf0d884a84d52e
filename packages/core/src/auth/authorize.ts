/**
 * The authorisation rules of room versions 1–12, against a given state (the
 * auth events, the state before the event, or the current state). The rules
 * about the event's own auth_events list are in auth-events.ts.
 * Sources: content/rooms/v1.md, v3.md, v6.md, v7.md, v8.md, v10.md, v11.md,
 * v12.md "Authorisation rules"; server-server-api.md "Definitions".
 *
 * Hot path: state resolution calls this thousands of times per resolution, so
 * it looks each state entry up once, parses power levels once per event
 * (cached), and allocates nothing when it allows.
 */
import type { RoomEvent } from '../events/pdu.js';
import type { RoomVersion } from '../room-versions.js';
import { authorizeCreateEvent, isRoomIdOfCreateEvent } from './create-event.js';
import { authorizeMembership, membershipOf } from './membership.js';
import { authorizePowerLevelsChange } from './power-levels-change.js';
import { DEFAULT_POWER_LEVELS, powerLevelFor, powerLevelsOf, requiredPowerForEvent } from './power-levels.js';
import { ALLOW, reject, type AuthDecision, type AuthOptions, type StateLookup } from './types.js';
import { hasServerName, sameServerName } from './same-server.js';

/** The auth rules proper: may `event` be accepted given the state `authState`? */
export function authorizeEvent(
  event: RoomEvent,
  authState: StateLookup,
  version: RoomVersion,
  options?: AuthOptions,
): AuthDecision {
  // Checked on its own: a second create event in a room is rejected for having prev_events.
  if (event.type === 'm.room.create') return authorizeCreateEvent(event, version);

  const create = authState('m.room.create', '');
  if (create === undefined) return reject('no m.room.create event in the auth state');
  if (version.roomIdFromCreateEvent) {
    if (!isRoomIdOfCreateEvent(event.room_id, create.event_id)) {
      return reject("room_id is not the create event's id");
    }
  } else if (create.room_id !== event.room_id) {
    return reject('m.room.create is from another room');
  }

  if (create.content['m.federate'] === false && !sameServerName(event.sender, create.sender)) {
    return reject('room is not federated and sender is on another server');
  }

  if (version.specialCaseAliasesAuth && event.type === 'm.room.aliases') {
    if (event.state_key === undefined) return reject('m.room.aliases needs a state_key');
    return hasServerName(event.sender, event.state_key)
      ? ALLOW
      : reject("m.room.aliases state_key must be the sender's server");
  }

  const powerLevelsEvent = authState('m.room.power_levels', '');
  if (event.type === 'm.room.member') {
    return authorizeMembership(event, { state: authState, version, create, powerLevelsEvent, options });
  }

  if (membershipOf(authState, event.sender) !== 'join') return reject('sender is not joined to the room');

  const pl = powerLevelsEvent === undefined ? DEFAULT_POWER_LEVELS : powerLevelsOf(powerLevelsEvent, version);
  const senderLevel = powerLevelFor(event.sender, create, powerLevelsEvent, version);

  if (event.type === 'm.room.third_party_invite') {
    return senderLevel >= pl.invite ? ALLOW : reject('sender cannot invite');
  }

  const isState = event.state_key !== undefined;
  if (requiredPowerForEvent(event.type, isState, pl) > senderLevel) {
    return reject(`sender's power level is too low to send ${event.type}`);
  }

  if (isState && event.state_key!.charCodeAt(0) === 0x40 && event.state_key !== event.sender) {
    return reject("a state_key starting with '@' must be the sender");
  }

  if (event.type === 'm.room.power_levels') {
    return authorizePowerLevelsChange(event, powerLevelsEvent, create, senderLevel, version);
  }

  if (version.redactionAuthCheck && event.type === 'm.room.redaction') {
    if (senderLevel >= pl.redact) return ALLOW;
    const redacts = event.redacts;
    return typeof redacts === 'string' && sameServerName(redacts, event.event_id)
      ? ALLOW
      : reject("sender cannot redact other servers' events");
  }

  return ALLOW;
}

