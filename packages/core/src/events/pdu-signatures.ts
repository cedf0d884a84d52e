/**
 * Signature checks on received PDUs (server-server API "Validating hashes and signatures
 * on received events"; rooms/v5 signing requirements; v8 restricted joins).
 */
import { verifySignatureStringOffThread } from '../crypto/sign-json.js';
import { serverNameOf } from '../identifiers/server-name.js';
import type { RoomVersion } from '../room-versions.js';
import type { PDU } from './pdu.js';
import { redactedCanonicalJson } from './event-hashes.js';

export interface VerifyKey {
  /** Raw 32 bytes, or unpadded base64 as published. */
  readonly publicKey: Uint8Array | string;
  /** Until when the key may be used, in ms. The key store must already have capped it at
   *  7 days after it fetched the key (rooms/v5 "Signing key validity period"). */
  readonly validUntilTs: number;
}

/** Looks up a server's verification key, valid at `atTs` (the event's origin_server_ts).
 *  Returns undefined when the key is unknown (that signature is then skipped). */
export type KeyLookup = (
  server: string,
  keyId: string,
  atTs: number,
) => VerifyKey | undefined | Promise<VerifyKey | undefined>;

export type SignatureCheck = { ok: true } | { ok: false; server: string; reason: string };

/** The servers whose signatures the event must carry. */
export function requiredSigningServers(pdu: PDU, roomVersion: RoomVersion): string[] {
  const servers = new Set<string>();
  const senderServer = typeof pdu.sender === 'string' ? serverNameOf(pdu.sender) : undefined;
  // An invite made from a third-party invite must have the sender of the original
  // m.room.third_party_invite, but may be sent (and signed) by another server.
  if (senderServer !== undefined && !isThirdPartyInvite(pdu)) servers.add(senderServer);
  // v1–2: the server that minted the event id signs too (they differ for some joins and leaves).
  if (roomVersion.eventIdFormat === 'v1' && typeof pdu.event_id === 'string') {
    const eventIdServer = serverNameOf(pdu.event_id);
    if (eventIdServer !== undefined) servers.add(eventIdServer);
  }
  // v8+: a join to a restricted room is also signed by the server of the authorising user.
  const authorisingUser = pdu.content?.join_authorised_via_users_server;
  if (
    roomVersion.restrictedJoinRule &&
    pdu.type === 'm.room.member' &&
    pdu.content.membership === 'join' &&
    typeof authorisingUser === 'string'
  ) {
    const server = serverNameOf(authorisingUser);
    if (server !== undefined) servers.add(server);
  }
  return [...servers];
}

function isThirdPartyInvite(pdu: PDU): boolean {
  return (
    pdu.type === 'm.room.member' &&
    pdu.content?.membership === 'invite' &&
    typeof pdu.content.third_party_invite === 'object' &&
    pdu.content.third_party_invite !== null
  );
}

/**
 * Checks the signatures of every required server over the redacted event (so a
 * redacted copy verifies as well as the full event). Per server: signatures with
 * other algorithms and with unknown keys are skipped, and so (v5+) are keys that
 * expired before the event's origin_server_ts; every remaining signature must verify,
 * and at least one must remain.
 */
export async function verifyPduSignatures(
  pdu: PDU,
  roomVersion: RoomVersion,
  lookupKey: KeyLookup,
  /** redactedCanonicalJson(pdu, roomVersion), if the caller already has it. */
  redactedJson?: string,
): Promise<SignatureCheck> {
  let payload: string;
  try {
    payload = redactedJson ?? redactedCanonicalJson(pdu, roomVersion);
  } catch (e) {
    return { ok: false, server: '', reason: `Event cannot be encoded as canonical JSON: ${(e as Error).message}` };
  }
  const servers = requiredSigningServers(pdu, roomVersion);
  const checks = await Promise.all(servers.map((server) => verifyServerSignatures(pdu, roomVersion, server, payload, lookupKey)));
  return checks.find((c) => !c.ok) ?? { ok: true };
}

async function verifyServerSignatures(
  pdu: PDU,
  roomVersion: RoomVersion,
  server: string,
  payload: string,
  lookupKey: KeyLookup,
): Promise<SignatureCheck> {
  const signatures = pdu.signatures?.[server];
  if (typeof signatures !== 'object' || signatures === null) {
    return { ok: false, server, reason: `Event is not signed by ${server}` };
  }
  let verified = 0;
  for (const [keyId, signature] of Object.entries(signatures)) {
    if (!keyId.startsWith('ed25519:') || typeof signature !== 'string') continue;
    const key = await lookupKey(server, keyId, pdu.origin_server_ts);
    if (key === undefined) continue;
    if (roomVersion.enforceKeyValidity && key.validUntilTs < pdu.origin_server_ts) continue;
    if (!(await verifySignatureStringOffThread(payload, signature, key.publicKey))) {
      return { ok: false, server, reason: `Invalid signature ${keyId} from ${server}` };
    }
    verified++;
  }
  return verified > 0 ? { ok: true } : { ok: false, server, reason: `No signature from a known, valid key of ${server}` };
}
