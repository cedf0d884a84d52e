/**
 * Rooms a server admin blocked (Synapse's admin API: PUT
 * /_synapse/admin/v1/rooms/{roomId}/block, or deleting a room with
 * block=true; table in migrations/0022_admin_rooms.sql): no local user may
 * join them, whether the room is held here or on another server.
 */
import { Errors } from '@lattice/core';
import type { Queryable } from '@lattice/storage';

export async function roomBlockedBy(db: Queryable, roomId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ user_id: string }>('SELECT user_id FROM blocked_rooms WHERE room_id = $1', [roomId]);
  return rows[0]?.user_id;
}

/** 403 M_FORBIDDEN for a blocked room (Synapse's answer to a join). */
export async function assertRoomNotBlocked(db: Queryable, roomId: string): Promise<void> {
  if ((await roomBlockedBy(db, roomId)) !== undefined) throw Errors.forbidden('This room has been blocked on this server');
}
