/**
 * Federated events on the internal API: RoomEvents travel as their JSON, a
 * state map as [key, event id] pairs, a room version as its id (its rules are
 * each process's own, looked up by id: never a wire copy of them).
 */
import { MatrixError, ROOM_VERSIONS, type RoomEvent, type RoomVersion } from '@lattice/core';
import type { IncomingEvent } from '@lattice/rooms';

export interface WireIncoming {
  event: RoomEvent;
  stateBefore?: Array<[string, string]>;
}

export interface AcceptArgs {
  roomId: string;
  incoming: WireIncoming[];
}

export interface OutliersArgs {
  roomId: string;
  events: RoomEvent[];
  version: string;
}

export interface MembershipOutlierArgs {
  event: RoomEvent;
  version: string;
}

export interface JoinArgs {
  version: string;
  join: RoomEvent;
  state: RoomEvent[];
  authChain: RoomEvent[];
}

export function toWireIncoming(incoming: readonly IncomingEvent[]): WireIncoming[] {
  return incoming.map((i) => (i.stateBefore === undefined ? { event: i.event } : { event: i.event, stateBefore: [...i.stateBefore] }));
}

export function fromWireIncoming(wire: unknown): IncomingEvent[] {
  if (!Array.isArray(wire)) throw new MatrixError(400, 'M_BAD_JSON', 'incoming must be a list');
  return (wire as WireIncoming[]).map((i) =>
    i.stateBefore === undefined ? { event: i.event } : { event: i.event, stateBefore: new Map(i.stateBefore) },
  );
}

export function versionById(id: unknown): RoomVersion {
  const version = ROOM_VERSIONS.get(String(id));
  if (!version) throw new MatrixError(400, 'M_UNSUPPORTED_ROOM_VERSION', `unsupported room version ${String(id)}`);
  return version;
}
