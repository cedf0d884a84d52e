/** Stored events as the spec's ClientEvent for a requesting device (rooms' toClientEvent). */
import { toClientEvent, type ClientEvent, type StoredEvent } from '@lattice/rooms';
import type { Requester } from '../../http/request-types.js';
import type { KnownRoom } from './room-lookup.js';

export function clientEventsFor(room: KnownRoom, requester: Requester, events: Iterable<StoredEvent>): ClientEvent[] {
  const now = Date.now();
  const viewer = { userId: requester.userId, deviceId: requester.deviceId };
  const out: ClientEvent[] = [];
  for (const stored of events) out.push(toClientEvent(stored, { roomVersion: room.version, now, viewer }));
  return out;
}
