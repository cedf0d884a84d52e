/**
 * Room ids (appendices "Room IDs"): `!opaque:domain` before room version 12, and from
 * v12 `!` + the URL-safe base64 reference hash of the m.room.create event (no domain).
 */
import type { RoomVersion } from '../room-versions.js';
import { isUrlSafeBase64Hash } from './hash-id.js';
import { isPermissiveLocalpart, splitSigilId, withinIdentifierLimit } from './sigil-id.js';

export interface RoomId {
  readonly opaqueId: string;
  /** Absent for room ids derived from the create event (v12+). */
  readonly domain: string | undefined;
}

/** Parses a room id; with a room version, only that version's form is accepted. */
export function parseRoomId(id: string, roomVersion?: RoomVersion): RoomId | undefined {
  if (!withinIdentifierLimit(id) || id[0] !== '!') return undefined;
  const hashForm = roomVersion?.roomIdFromCreateEvent;
  if (hashForm !== true) {
    const parts = splitSigilId(id, '!');
    if (parts !== undefined && parts.localpart.length > 0 && isPermissiveLocalpart(parts.localpart)) {
      return { opaqueId: parts.localpart, domain: parts.domain };
    }
  }
  if (hashForm !== false && isUrlSafeBase64Hash(id.slice(1))) {
    return { opaqueId: id.slice(1), domain: undefined };
  }
  return undefined;
}

export function isValidRoomId(id: string, roomVersion?: RoomVersion): boolean {
  return parseRoomId(id, roomVersion) !== undefined;
}
