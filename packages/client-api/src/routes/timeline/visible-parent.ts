/**
 * The event a relations or threads request is about: it must be a timeline
 * event of the room that the user may see, else 404 M_NOT_FOUND ("The parent
 * event was not found or the user does not have permission to read this event").
 */
import { Errors } from '@lattice/core';
import { canSeeEvent, type StoredEvent } from '@lattice/rooms';
import type { ClientApiContext } from '../../context.js';
import type { ReadableRoom } from './readable-room.js';

export async function visibleRoomEvent(ctx: ClientApiContext, room: ReadableRoom, eventId: string): Promise<StoredEvent> {
  const stored = await ctx.rooms.store.getEvent(eventId);
  const found =
    stored !== undefined &&
    stored.event.room_id === room.roomId &&
    !stored.outlier &&
    stored.rejectedReason === null &&
    !stored.softFailed &&
    (await canSeeEvent(ctx.db, room.requester.userId, stored));
  if (!found) throw Errors.notFound('Event not found');
  return stored;
}
