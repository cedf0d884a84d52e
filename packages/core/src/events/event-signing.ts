/**
 * Hashing and signing outgoing events (server-server API "Adding hashes and
 * signatures to outgoing events"): the content hash covers the full event, the
 * signature covers the redacted event (hashes included), so a signature still
 * verifies after the event has been redacted.
 */
import { addSignature, signedJsonPayload, signPayload } from '../crypto/sign-json.js';
import type { SigningKey } from '../crypto/signing-key.js';
import type { RoomVersion } from '../room-versions.js';
import { computeContentHash } from './event-hashes.js';
import type { PDU } from './pdu.js';
import { redactPdu } from './redaction.js';

/** Adds serverName's signature over the redacted event to any it already carries
 *  (e.g. a resident server co-signing a join or invite). The input is not modified. */
export function signEvent<T extends PDU>(pdu: T, serverName: string, key: SigningKey, roomVersion: RoomVersion): T {
  const payload = signedJsonPayload(redactPdu(pdu, roomVersion), { strict: roomVersion.strictCanonicalJson });
  const signature = signPayload(payload, key);
  return { ...pdu, signatures: addSignature(pdu.signatures, serverName, key.keyId, signature) };
}

/** Sets `hashes` to the content hash, then signs. The input is not modified. */
export function hashAndSignEvent<T extends PDU>(pdu: T, serverName: string, key: SigningKey, roomVersion: RoomVersion): T {
  const hashed: T = { ...pdu, hashes: { sha256: computeContentHash(pdu, roomVersion) } };
  return signEvent(hashed, serverName, key, roomVersion);
}
