/** Stored events as served to other servers: the wire PDU (no derived event_id from v3, no local unsigned data). */
import { toFederationPdu, type PDU, type RoomVersion } from '@lattice/core';
import type { StoredEvent } from '@lattice/rooms';

export function wirePdu(stored: StoredEvent, version: RoomVersion): PDU {
  const { unsigned: _unsigned, ...event } = stored.event;
  return toFederationPdu(event as PDU, version);
}
