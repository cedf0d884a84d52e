/**
 * The event format check on received PDUs (step 1 of "Checks performed on receipt of a
 * PDU"; schemas pdu_v1/v3/v4/v6/v11/v12 and the client-server "Size limits").
 */
import { parseEventId } from '../identifiers/event-id.js';
import { parseRoomId } from '../identifiers/room-id.js';
import { parseUserId } from '../identifiers/user-id.js';
import type { RoomVersion } from '../room-versions.js';
import { isRoomIdDefiningCreateEvent } from './event-id.js';
import type { PDU } from './pdu.js';

const MAX_TYPE_BYTES = 255;
const MAX_STATE_KEY_BYTES = 255;
const MAX_AUTH_EVENTS = 10;
const MAX_PREV_EVENTS = 20;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

function utf8Length(s: string): number {
  return s.length * 3 <= 255 ? s.length : Buffer.byteLength(s, 'utf8');
}

/** Returns why `value` is not a valid PDU for the room version, or undefined if it is. */
export function pduFormatError(value: unknown, roomVersion: RoomVersion): string | undefined {
  if (!isObject(value)) return 'PDU is not an object';
  const pdu = value as PDU;
  if (typeof pdu.type !== 'string' || utf8Length(pdu.type) > MAX_TYPE_BYTES) return 'Invalid type';
  if (typeof pdu.sender !== 'string' || parseUserId(pdu.sender) === undefined) return 'Invalid sender';
  if (pdu.state_key !== undefined && (typeof pdu.state_key !== 'string' || utf8Length(pdu.state_key) > MAX_STATE_KEY_BYTES)) {
    return 'Invalid state_key';
  }
  if (!isObject(pdu.content)) return 'Invalid content';
  if (!isInteger(pdu.origin_server_ts)) return 'Invalid origin_server_ts';
  if (!isInteger(pdu.depth) || pdu.depth < 0) return 'Invalid depth';
  if (!isObject(pdu.hashes) || typeof pdu.hashes.sha256 !== 'string') return 'Invalid hashes';
  if (!isObject(pdu.signatures) || !Object.values(pdu.signatures).every(isStringMap)) return 'Invalid signatures';
  if (pdu.unsigned !== undefined && !isObject(pdu.unsigned)) return 'Invalid unsigned';

  if (isRoomIdDefiningCreateEvent(pdu, roomVersion)) {
    if (pdu.room_id !== undefined) return 'The create event must not have a room_id in this room version';
  } else if (typeof pdu.room_id !== 'string' || parseRoomId(pdu.room_id, roomVersion) === undefined) {
    return 'Invalid room_id';
  }
  if (roomVersion.eventIdFormat === 'v1' && (typeof pdu.event_id !== 'string' || parseEventId(pdu.event_id, roomVersion) === undefined)) {
    return 'Invalid event_id';
  }
  return (
    referencesError(pdu.auth_events, 'auth_events', MAX_AUTH_EVENTS, roomVersion) ??
    referencesError(pdu.prev_events, 'prev_events', MAX_PREV_EVENTS, roomVersion)
  );
}

function isStringMap(v: unknown): boolean {
  return isObject(v) && Object.values(v).every((s) => typeof s === 'string');
}

/** v1–2 reference events as [event_id, {algorithm: hash}] pairs; v3+ by bare id. */
function referencesError(refs: unknown, field: string, max: number, roomVersion: RoomVersion): string | undefined {
  if (!Array.isArray(refs)) return `Invalid ${field}`;
  if (refs.length > max) return `Too many ${field} (at most ${max})`;
  for (const ref of refs) {
    let id: unknown = ref;
    if (roomVersion.eventIdFormat === 'v1') {
      if (!Array.isArray(ref) || ref.length !== 2 || !isStringMap(ref[1])) return `Invalid entry in ${field}`;
      id = ref[0];
    }
    if (typeof id !== 'string' || parseEventId(id, roomVersion) === undefined) return `Invalid event id in ${field}`;
  }
  return undefined;
}
