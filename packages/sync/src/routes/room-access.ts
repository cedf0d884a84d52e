import { Errors, isValidEventId, isValidRoomId } from '@lattice/core';
import type { RoomStore, StoredEvent } from '@lattice/rooms';

/** 400 M_INVALID_PARAM for a malformed room id. */
export function checkRoomId(roomId: string): void {
  if (!isValidRoomId(roomId)) throw Errors.invalidParam('Invalid room ID');
}

/** Typing and receipts are for members: 403 M_FORBIDDEN unless the user is joined now. */
export async function requireJoined(store: RoomStore, roomId: string, userId: string): Promise<void> {
  checkRoomId(roomId);
  const membership = await store.membership(roomId, userId);
  if (membership?.membership !== 'join') throw Errors.forbidden('You are not joined to this room');
}

/** An event of the room the user may point a receipt or marker at (404 M_NOT_FOUND otherwise). */
export async function eventInRoom(store: RoomStore, roomId: string, eventId: string): Promise<StoredEvent> {
  if (!isValidEventId(eventId)) throw Errors.invalidParam('Invalid event ID');
  const stored = await store.getEvent(eventId);
  if (!stored || stored.event.room_id !== roomId || stored.outlier || stored.rejectedReason !== null) {
    throw Errors.notFound('Event not found in this room');
  }
  return stored;
}
