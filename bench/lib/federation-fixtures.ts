/** Remote servers for the federation benches: their keys as a KeyRing, and events they build and sign. */
import { encodeBase64, hashAndSignEvent, toRoomEvent, type PDU, type RoomEvent, type RoomVersion, type SigningKey } from '@lattice/core';
import type { KeyRing } from '@lattice/federation';

export function staticKeyRing(keys: ReadonlyMap<string, SigningKey>): KeyRing {
  return {
    async verifyKeys(server, keyIds) {
      const key = keys.get(server);
      return new Map(key && keyIds.includes(key.keyId) ? [[key.keyId, encodeBase64(key.publicKey)]] : []);
    },
  };
}

/** An event as `server` builds it: after `prev`, citing `auth`, hashed and signed. */
export function signedEvent(
  version: RoomVersion,
  fields: Record<string, unknown>,
  prev: readonly RoomEvent[],
  auth: readonly RoomEvent[],
  server: string,
  key: SigningKey,
  ts: number,
): RoomEvent {
  const pdu = {
    ...fields,
    origin_server_ts: ts,
    depth: prev.reduce((d, e) => Math.max(d, e.depth), 0) + 1,
    prev_events: prev.map((e) => e.event_id),
    auth_events: auth.map((e) => e.event_id),
    hashes: { sha256: '' },
    signatures: {},
  } as unknown as PDU;
  return toRoomEvent(hashAndSignEvent(pdu, server, key, version), version);
}

/** The wire form (v3+ events carry no event_id). */
export function wire(e: RoomEvent): PDU {
  const { event_id: _id, ...rest } = e;
  return rest as PDU;
}
