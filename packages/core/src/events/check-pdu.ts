/**
 * The whole inbound check of one PDU, up to (not including) authorisation: format,
 * size, signatures, content hash (server-server API "Checks performed on receipt of a PDU").
 */
import { canonicalJson } from '../json/canonical-json.js';
import { JsonParseError, parseJsonStrict } from '../json/parse-json-strict.js';
import type { RoomVersion } from '../room-versions.js';
import { redactedCanonicalJson, verifyContentHash } from './event-hashes.js';
import { toRoomEvent } from './event-id.js';
import type { PDU, RoomEvent } from './pdu.js';
import { pduFormatError } from './pdu-format.js';
import { verifyPduSignatures, type KeyLookup } from './pdu-signatures.js';
import { redactPdu } from './redaction.js';

/** Client-server API "Size limits": the whole federation-format event, canonical JSON. */
export const MAX_PDU_BYTES = 65536;

export type PduCheckResult =
  /** Passed every check. */
  | { outcome: 'accepted'; event: RoomEvent }
  /** Signatures valid but content hash wrong: the event must be processed as this redacted copy. */
  | { outcome: 'redacted'; event: RoomEvent }
  /** Not valid JSON / format / size, or bad signatures: the event must be dropped. */
  | { outcome: 'dropped'; reason: string };

/** Checks a PDU from its raw JSON bytes (numbers parsed strictly when the room version demands it). */
export async function checkPdu(raw: Uint8Array | string, roomVersion: RoomVersion, lookupKey: KeyLookup): Promise<PduCheckResult> {
  let value: unknown;
  try {
    value = parseJsonStrict(raw, { strictNumbers: roomVersion.strictCanonicalJson });
  } catch (e) {
    if (e instanceof JsonParseError) return { outcome: 'dropped', reason: e.message };
    throw e;
  }
  // With strict numbers, canonical JSON is never longer than its source (whitespace and
  // escapes only shrink), so a small enough input needs no re-encoding to check the size.
  const rawBytes = typeof raw === 'string' ? Buffer.byteLength(raw, 'utf8') : raw.byteLength;
  const sizeKnownOk = roomVersion.strictCanonicalJson && rawBytes <= MAX_PDU_BYTES;
  return checkParsedPdu(value, roomVersion, lookupKey, sizeKnownOk);
}

/**
 * Checks an already-parsed PDU (e.g. one element of a transaction's `pdus`). Caveat: after
 * JSON.parse, `1.0` and `1e2` look like integers, so the float ban of v6+ is only fully
 * enforced when the source was parsed with parseJsonStrict({strictNumbers: true}).
 */
export async function checkParsedPdu(
  value: unknown,
  roomVersion: RoomVersion,
  lookupKey: KeyLookup,
  sizeKnownOk = false,
): Promise<PduCheckResult> {
  const formatError = pduFormatError(value, roomVersion);
  if (formatError !== undefined) return { outcome: 'dropped', reason: formatError };
  const pdu = value as PDU;
  if (!sizeKnownOk) {
    let size: number;
    try {
      size = Buffer.byteLength(canonicalJson(pdu, { strict: roomVersion.strictCanonicalJson }), 'utf8');
    } catch (e) {
      return { outcome: 'dropped', reason: (e as Error).message };
    }
    if (size > MAX_PDU_BYTES) return { outcome: 'dropped', reason: `PDU is larger than ${MAX_PDU_BYTES} bytes` };
  }
  // Signatures and the reference hash (event id) cover the same bytes: encode them once.
  let redactedJson: string;
  try {
    redactedJson = redactedCanonicalJson(pdu, roomVersion);
  } catch (e) {
    return { outcome: 'dropped', reason: (e as Error).message };
  }
  const signatures = await verifyPduSignatures(pdu, roomVersion, lookupKey, redactedJson);
  if (!signatures.ok) return { outcome: 'dropped', reason: signatures.reason };
  if (verifyContentHash(pdu, roomVersion)) return { outcome: 'accepted', event: toRoomEvent(pdu, roomVersion, redactedJson) };
  // The redacted copy has the same reference hash, hence the same event id.
  return { outcome: 'redacted', event: toRoomEvent(redactPdu(pdu, roomVersion), roomVersion, redactedJson) };
}
