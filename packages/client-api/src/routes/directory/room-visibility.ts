/**
 * A room's visibility in this server's published room directory
 * (list_public_rooms.yaml, /directory/list/room/{roomId}; createRoom's
 * `visibility`): the rooms.is_public flag.
 */
import { Errors } from '@lattice/core';
import type { Queryable } from '@lattice/storage';

export type RoomVisibility = 'public' | 'private';

export function isRoomVisibility(value: unknown): value is RoomVisibility {
  return value === 'public' || value === 'private';
}

/** The room's visibility, or undefined for a room this server does not know. */
export async function getRoomVisibility(db: Queryable, roomId: string): Promise<RoomVisibility | undefined> {
  const { rows } = await db.query<{ is_public: boolean }>('SELECT is_public FROM rooms WHERE room_id = $1', [roomId]);
  const row = rows[0];
  return row && (row.is_public ? 'public' : 'private');
}

/** Publishes or unpublishes a room (404 M_NOT_FOUND for an unknown room). Permission is the caller's to check. */
export async function setRoomVisibility(db: Queryable, roomId: string, visibility: RoomVisibility): Promise<void> {
  const { rowCount } = await db.query('UPDATE rooms SET is_public = $2 WHERE room_id = $1', [roomId, visibility === 'public']);
  if (rowCount === 0) throw Errors.notFound('Room not found');
}
