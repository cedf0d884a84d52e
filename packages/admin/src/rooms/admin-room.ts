/** The room an admin path names: a valid room id this server holds (404 M_NOT_FOUND otherwise). */
import { Errors, isValidRoomId, type RoomVersion } from '@lattice/core';
import type { ClientApiContext } from '@lattice/client-api';

export interface AdminRoom {
  roomId: string;
  version: RoomVersion;
}

export function checkRoomId(roomId: string): string {
  if (!isValidRoomId(roomId)) throw Errors.invalidParam(`Invalid room id: ${roomId}`);
  return roomId;
}

export async function adminRoom(ctx: ClientApiContext, roomId: string): Promise<AdminRoom> {
  const version = await ctx.rooms.store.roomVersion(checkRoomId(roomId));
  // The store caches versions; a purged room is gone from the rooms table.
  const { rows } = await ctx.db.query('SELECT 1 FROM rooms WHERE room_id = $1', [roomId]);
  if (!version || rows.length === 0) throw Errors.notFound('Room not found');
  return { roomId, version };
}

/** A user id of this server. */
export function isLocalUser(ctx: ClientApiContext, userId: string): boolean {
  return userId.slice(userId.indexOf(':') + 1) === ctx.config.server_name;
}
