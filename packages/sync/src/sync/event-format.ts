/**
 * Events as a sync filter asks for them: the client format without room_id
 * (ClientEventWithoutRoomID) or the raw federation PDU, then `event_fields`.
 */
import type { CompiledFilter, RoomVersion } from '@lattice/core';
import { toClientEvent, type StoredEvent } from '@lattice/rooms';

export interface FormatContext {
  filter: CompiledFilter;
  roomVersion: RoomVersion;
  now: number;
  viewer: { userId: string; deviceId: string };
}

export function formatSyncEvent(stored: StoredEvent, fc: FormatContext, membership?: string): object {
  if (fc.filter.eventFormat === 'federation') return fc.filter.project(stored.event);
  const event = toClientEvent(stored, {
    roomVersion: fc.roomVersion,
    now: fc.now,
    viewer: fc.viewer,
    format: 'sync',
    ...(membership !== undefined ? { membership } : {}),
  });
  return fc.filter.project(event);
}
