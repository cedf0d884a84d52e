/**
 * Event ids (appendices "Event IDs", rooms v1/v3/v4): `$opaque:domain` in room versions
 * 1–2, `$` + base64 reference hash from v3 (standard alphabet) and v4 (URL-safe).
 */
import type { EventIdFormat, RoomVersion } from '../room-versions.js';
import { isStandardBase64Hash, isUrlSafeBase64Hash } from './hash-id.js';
import { isPermissiveLocalpart, splitSigilId, withinIdentifierLimit } from './sigil-id.js';

export interface EventId {
  /** What follows `$` (and precedes `:domain` for the v1 format). */
  readonly opaqueId: string;
  /** Only in the v1 format. */
  readonly domain: string | undefined;
  /** The format the id matches; a hash made only of letters and digits fits both v3 and v4 and reports 'v4'. */
  readonly format: EventIdFormat;
}

/** Parses an event id; with a room version, only that version's format is accepted. */
export function parseEventId(id: string, roomVersion?: RoomVersion): EventId | undefined {
  if (!withinIdentifierLimit(id) || id[0] !== '$') return undefined;
  const wanted = roomVersion?.eventIdFormat;
  if (wanted === undefined || wanted === 'v1') {
    const parts = splitSigilId(id, '$');
    if (parts !== undefined && parts.localpart.length > 0 && isPermissiveLocalpart(parts.localpart)) {
      return { opaqueId: parts.localpart, domain: parts.domain, format: 'v1' };
    }
    if (wanted === 'v1') return undefined;
  }
  const hash = id.slice(1);
  if ((wanted === undefined || wanted === 'v4') && isUrlSafeBase64Hash(hash)) {
    return { opaqueId: hash, domain: undefined, format: 'v4' };
  }
  if ((wanted === undefined || wanted === 'v3') && isStandardBase64Hash(hash)) {
    return { opaqueId: hash, domain: undefined, format: 'v3' };
  }
  return undefined;
}

export function isValidEventId(id: string, roomVersion?: RoomVersion): boolean {
  return parseEventId(id, roomVersion) !== undefined;
}
