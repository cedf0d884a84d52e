/** The events-stream row announced for a persisted event (what readers invalidate and wake on). */
import type { RoomEvent } from '@lattice/core';
import type { EventStreamRow } from '@lattice/replication';

export function streamRow(event: RoomEvent): EventStreamRow {
  const membership = event.type === 'm.room.member' ? event.content['membership'] : undefined;
  return {
    event_id: event.event_id,
    room_id: event.room_id,
    type: event.type,
    state_key: event.state_key ?? null,
    sender: event.sender,
    membership: typeof membership === 'string' ? membership : null,
  };
}
