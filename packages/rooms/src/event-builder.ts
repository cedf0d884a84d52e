/**
 * Building a local event (server-server API "PDUs", "Adding hashes and
 * signatures to outgoing events"; client-server "Size limits"): fill in the
 * graph fields, hash, sign, derive the event id, and refuse anything that is
 * not a valid PDU for the room version before a byte is written.
 */
import {
  CanonicalJsonError,
  Errors,
  addSignature,
  canonicalJson,
  computeContentHash,
  encodeBase64,
  encodeBase64Url,
  makeLegacyEventId,
  redactedCanonicalJson,
  sha256,
  signPayload,
  type EventReference,
  type PDU,
  type RoomEvent,
  type RoomVersion,
  type SigningKey,
} from '@lattice/core';
import type { EventDraft } from './api.js';

/** Client-server "Size limits": the whole event as canonical JSON. */
export const MAX_EVENT_BYTES = 65536;
/** Client-server "Size limits": type, state_key, sender, room_id. */
const MAX_ID_BYTES = 255;

export interface BuildInput {
  /** room_id is ignored for a v12 create event (the room id derives from it). */
  draft: EventDraft;
  version: RoomVersion;
  prevEvents: EventReference[];
  authEvents: EventReference[];
  depth: number;
  originServerTs: number;
  serverName: string;
  signingKey: SigningKey;
}

export interface BuiltEvent {
  event: RoomEvent;
  /** Canonical JSON of the wire PDU (what events.json stores). */
  json: string;
  /** How later events cite it. */
  ref: EventReference;
}

function tooLong(value: string | undefined): boolean {
  return value !== undefined && value.length * 3 > MAX_ID_BYTES && Buffer.byteLength(value, 'utf8') > MAX_ID_BYTES;
}

/** Throws 400 when a field the spec bounds at 255 bytes is longer. */
export function checkDraftLimits(draft: EventDraft): void {
  for (const field of ['type', 'state_key', 'sender', 'room_id'] as const) {
    if (tooLong(draft[field])) throw Errors.invalidParam(`'${field}' is longer than ${MAX_ID_BYTES} bytes`);
  }
}

function badJson(err: unknown): never {
  if (err instanceof CanonicalJsonError) throw Errors.badJson(`Event is not valid canonical JSON: ${err.message}`);
  throw err;
}

/** The hashed and signed event, its id (and a v12 create event's room id). */
export function buildEvent(input: BuildInput): BuiltEvent {
  const { draft, version } = input;
  checkDraftLimits(draft);
  const isCreate = draft.type === 'm.room.create' && draft.state_key === '';
  const pdu: PDU = {
    auth_events: input.authEvents,
    content: draft.content,
    depth: input.depth,
    hashes: { sha256: '' },
    origin_server_ts: input.originServerTs,
    prev_events: input.prevEvents,
    sender: draft.sender,
    signatures: {},
    type: draft.type,
  };
  if (!(isCreate && version.roomIdFromCreateEvent)) pdu.room_id = draft.room_id;
  if (draft.state_key !== undefined) pdu.state_key = draft.state_key;
  if (draft.redacts !== undefined) {
    if (version.redactsInContent) pdu.content = { ...draft.content, redacts: draft.redacts };
    else pdu.redacts = draft.redacts;
  }
  if (version.eventIdFormat === 'v1') pdu.event_id = makeLegacyEventId(input.serverName);

  let json: string;
  let redacted: string;
  try {
    pdu.hashes = { sha256: computeContentHash(pdu, version) };
    // The signature and the reference hash cover the same bytes: encode them once.
    redacted = redactedCanonicalJson(pdu, version);
    pdu.signatures = addSignature(undefined, input.serverName, input.signingKey.keyId, signPayload(redacted, input.signingKey));
    json = canonicalJson(pdu, { strict: version.strictCanonicalJson });
  } catch (err) {
    badJson(err);
  }
  if (Buffer.byteLength(json, 'utf8') > MAX_EVENT_BYTES) {
    throw Errors.tooLarge(`Event is larger than ${MAX_EVENT_BYTES} bytes`);
  }
  const event = withIds(pdu, version, redacted, isCreate);
  // v1–2 cite events with their reference hash: the sha256 of the same redacted bytes.
  const ref: EventReference =
    version.eventIdFormat === 'v1' ? [event.event_id, { sha256: encodeBase64(sha256(redacted)) }] : event.event_id;
  return { event, json, ref };
}

function withIds(pdu: PDU, version: RoomVersion, redacted: string, isCreate: boolean): RoomEvent {
  let eventId: string;
  switch (version.eventIdFormat) {
    case 'v1':
      eventId = pdu.event_id!;
      break;
    case 'v3':
      eventId = '$' + encodeBase64(sha256(redacted));
      break;
    case 'v4':
      eventId = '$' + encodeBase64Url(sha256(redacted));
      break;
  }
  const roomId = isCreate && version.roomIdFromCreateEvent ? '!' + eventId.slice(1) : pdu.room_id!;
  return { ...pdu, event_id: eventId, room_id: roomId };
}

/** How later events cite this one: a bare id from v3, an [id, {sha256}] pair before. */
export function eventReference(event: RoomEvent, version: RoomVersion): EventReference {
  if (version.eventIdFormat !== 'v1') return event.event_id;
  return [event.event_id, { sha256: encodeBase64(sha256(redactedCanonicalJson(event, version))) }];
}
