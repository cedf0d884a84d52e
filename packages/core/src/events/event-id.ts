/**
 * Event ids and v12 room ids (rooms/v1.md, v3.md, v4.md, v12.md): v1–2 events carry a
 * `$opaque:server` id chosen by their origin; from v3 the id is `$` + the reference
 * hash, in standard (v3) or URL-safe (v4+) unpadded base64.
 */
import { randomBytes } from 'node:crypto';
import { encodeBase64, encodeBase64Url } from '../encoding/base64.js';
import { getRoomVersion, type RoomVersion } from '../room-versions.js';
import { computeReferenceHash } from './event-hashes.js';
import type { PDU, RoomEvent } from './pdu.js';

/** A fresh `$<random>:<server>` id for an event we create in a v1–2 room. */
export function makeLegacyEventId(serverName: string): string {
  return `$${randomBytes(18).toString('base64url')}:${serverName}`;
}

/** The event id: carried by the event in v1–2 (throws if absent), else derived from its
 *  reference hash. `redactedJson` (redactedCanonicalJson of the event) saves re-encoding. */
export function computeEventId(pdu: PDU, roomVersion: RoomVersion, redactedJson?: string): string {
  switch (roomVersion.eventIdFormat) {
    case 'v1':
      if (typeof pdu.event_id !== 'string') throw new Error(`Room version ${roomVersion.id} events must carry an event_id`);
      return pdu.event_id;
    case 'v3':
      return '$' + encodeBase64(computeReferenceHash(pdu, roomVersion, redactedJson));
    case 'v4':
      return '$' + encodeBase64Url(computeReferenceHash(pdu, roomVersion, redactedJson));
  }
}

/** The room id of a v12 room: `!` + URL-safe reference hash of its m.room.create event. */
export function roomIdFromCreateEvent(createPdu: PDU, roomVersion?: RoomVersion): string {
  const version = roomVersion ?? versionOfCreateEvent(createPdu);
  if (!version.roomIdFromCreateEvent) {
    throw new Error(`Room version ${version.id} room ids are not derived from the create event`);
  }
  return '!' + encodeBase64Url(computeReferenceHash(createPdu, version));
}

function versionOfCreateEvent(createPdu: PDU): RoomVersion {
  // An absent room_version means room version 1 (client-server API m.room.create).
  const id = createPdu.content?.room_version ?? '1';
  const version = typeof id === 'string' ? getRoomVersion(id) : undefined;
  if (version === undefined) throw new Error(`Unknown room version ${String(id)}`);
  return version;
}

/** Whether this is the m.room.create event of a room whose id derives from it. */
export function isRoomIdDefiningCreateEvent(pdu: PDU, roomVersion: RoomVersion): boolean {
  return roomVersion.roomIdFromCreateEvent && pdu.type === 'm.room.create' && pdu.state_key === '';
}

/**
 * The PDU with event_id and room_id known. Throws if the room id cannot be determined.
 * Hashes and signatures are computed over exactly the object given (as the spec says),
 * so never hash or sign a RoomEvent of v3+ directly: its added event_id (and a v12 create
 * event's room_id) would be covered. Use toFederationPdu to get the wire form back.
 */
export function toRoomEvent(pdu: PDU, roomVersion: RoomVersion, redactedJson?: string): RoomEvent {
  const eventId = computeEventId(pdu, roomVersion, redactedJson);
  let roomId = pdu.room_id;
  if (isRoomIdDefiningCreateEvent(pdu, roomVersion)) {
    roomId = '!' + eventId.slice(1); // same URL-safe reference hash, `!` sigil
  }
  if (typeof roomId !== 'string') throw new Error('Event has no room_id');
  return { ...pdu, event_id: eventId, room_id: roomId };
}

/** The wire form of an event: drops the fields that v3+ (event_id) and v12 create
 *  events (room_id) do not carry because they are derived from the event itself. */
export function toFederationPdu(event: PDU, roomVersion: RoomVersion): PDU {
  const dropEventId = roomVersion.eventIdFormat !== 'v1' && event.event_id !== undefined;
  const dropRoomId = isRoomIdDefiningCreateEvent(event, roomVersion) && event.room_id !== undefined;
  if (!dropEventId && !dropRoomId) return event;
  const copy: PDU = { ...event };
  if (dropEventId) delete copy.event_id;
  if (dropRoomId) delete copy.room_id;
  return copy;
}
