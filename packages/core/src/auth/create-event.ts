/**
 * Auth rule 1: the m.room.create event, which is checked on its own (no state).
 * Source: content/rooms/v1.md (rule 1), v11.md (no `creator`), v12.md (no `room_id`,
 * `additional_creators`).
 */
import type { RoomEvent } from '../events/pdu.js';
import { getRoomVersion, type RoomVersion } from '../room-versions.js';
import { ALLOW, reject, type AuthDecision } from './types.js';
import { isValidUserId } from '../identifiers/user-id.js';
import { sameServerName } from './same-server.js';

/** The room id a v12 create event defines: its event id with the sigil `!` instead of `$`. */
export function roomIdOfCreateEvent(createEventId: string): string {
  return `!${createEventId.slice(1)}`;
}

/** Is `roomId` the id that the v12 create event `createEventId` defines? (No allocation.) */
export function isRoomIdOfCreateEvent(roomId: string, createEventId: string): boolean {
  if (roomId.length !== createEventId.length || roomId.charCodeAt(0) !== 0x21 || createEventId.charCodeAt(0) !== 0x24) {
    return false;
  }
  for (let i = 1; i < roomId.length; i++) if (roomId.charCodeAt(i) !== createEventId.charCodeAt(i)) return false;
  return true;
}

export function authorizeCreateEvent(event: RoomEvent, version: RoomVersion): AuthDecision {
  if (event.prev_events.length > 0) return reject('m.room.create must not have prev_events');

  if (version.roomIdFromCreateEvent) {
    // The wire event has no room_id; a RoomEvent carries the derived one. Any other
    // value means the PDU had a room_id of its own (which would have changed its hash).
    if (!isRoomIdOfCreateEvent(event.room_id, event.event_id)) {
      return reject('m.room.create must not have a room_id');
    }
  } else if (!sameServerName(event.room_id, event.sender)) {
    return reject('m.room.create: room_id domain does not match sender domain');
  }

  const roomVersion = event.content['room_version'];
  if (roomVersion !== undefined && (typeof roomVersion !== 'string' || getRoomVersion(roomVersion) === undefined)) {
    return reject('m.room.create: unrecognised room_version');
  }

  if (!version.implicitRoomCreator && !('creator' in event.content)) {
    return reject('m.room.create: content has no creator');
  }

  if (version.privilegedCreators) {
    const extra = event.content['additional_creators'];
    if (extra !== undefined) {
      if (!Array.isArray(extra)) return reject('m.room.create: additional_creators is not an array');
      for (const userId of extra) {
        if (typeof userId !== 'string' || !isValidUserId(userId)) return reject('m.room.create: additional_creators has an invalid user id');
      }
    }
  }
  return ALLOW;
}
