/**
 * Content hash and reference hash of an event (server-server API "Calculating the
 * content hash / reference hash for an event").
 */
import { canonicalJson } from '../json/canonical-json.js';
import { decodeBase64, encodeBase64 } from '../encoding/base64.js';
import { sha256 } from '../crypto/sha256.js';
import type { RoomVersion } from '../room-versions.js';
import type { PDU } from './pdu.js';
import { redactPdu } from './redaction.js';

const NOT_IN_CONTENT_HASH: ReadonlySet<string> = new Set(['unsigned', 'signatures', 'hashes']);
const NOT_IN_REFERENCE_HASH: ReadonlySet<string> = new Set(['unsigned', 'signatures']);

/** Canonical JSON is enforced strictly only where the room version demands it (v6+);
 *  older rooms may hold legacy numbers that must still hash. */
function strictFor(roomVersion: RoomVersion | undefined): boolean {
  return roomVersion?.strictCanonicalJson ?? false;
}

/** SHA-256 over the canonical JSON of the full event minus unsigned, signatures and
 *  hashes, as unpadded base64 (the value of `hashes.sha256`). */
export function computeContentHash(pdu: PDU, roomVersion?: RoomVersion): string {
  return encodeBase64(sha256(canonicalJson(pdu, { strict: strictFor(roomVersion), omit: NOT_IN_CONTENT_HASH })));
}

/** Whether `hashes.sha256` matches the event's content. False when missing or malformed. */
export function verifyContentHash(pdu: PDU, roomVersion?: RoomVersion): boolean {
  const claimed = pdu.hashes?.sha256;
  if (typeof claimed !== 'string') return false;
  let expected: Buffer;
  try {
    expected = decodeBase64(claimed);
  } catch {
    return false;
  }
  const actual = sha256(canonicalJson(pdu, { strict: strictFor(roomVersion), omit: NOT_IN_CONTENT_HASH }));
  return actual.equals(expected);
}

/** Canonical JSON of the redacted event minus signatures and unsigned: the bytes that
 *  both the event's signatures and its reference hash cover. */
export function redactedCanonicalJson(pdu: PDU, roomVersion: RoomVersion): string {
  return canonicalJson(redactPdu(pdu, roomVersion), { strict: strictFor(roomVersion), omit: NOT_IN_REFERENCE_HASH });
}

/** SHA-256 over redactedCanonicalJson (raw 32 bytes). Pass that string if already computed. */
export function computeReferenceHash(pdu: PDU, roomVersion: RoomVersion, redactedJson?: string): Buffer {
  return sha256(redactedJson ?? redactedCanonicalJson(pdu, roomVersion));
}
