/** Blocking and unblocking rooms (table blocked_rooms; the join check lives in @lattice/client-api). */
import type { Queryable } from '@lattice/storage';

export async function blockRoom(db: Queryable, roomId: string, adminId: string, now = Date.now()): Promise<void> {
  await db.query(
    'INSERT INTO blocked_rooms (room_id, user_id, blocked_ts) VALUES ($1, $2, $3) ON CONFLICT (room_id) DO NOTHING',
    [roomId, adminId, now],
  );
}

export async function unblockRoom(db: Queryable, roomId: string): Promise<void> {
  await db.query('DELETE FROM blocked_rooms WHERE room_id = $1', [roomId]);
}
