/** server_notice_rooms: each user's one server notices room (spec "Server Notices"). */
import type { Queryable } from '@lattice/storage';

export async function serverNoticeRoomOf(db: Queryable, userId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ room_id: string }>('SELECT room_id FROM server_notice_rooms WHERE user_id = $1', [userId]);
  return rows[0]?.room_id;
}

/** Records (or replaces, after the user left the old one) the user's notices room. */
export async function setServerNoticeRoom(db: Queryable, userId: string, roomId: string, now = Date.now()): Promise<void> {
  await db.query(
    `INSERT INTO server_notice_rooms (user_id, room_id, created_ts) VALUES ($1, $2, $3)
     ON CONFLICT (user_id) DO UPDATE SET room_id = EXCLUDED.room_id, created_ts = EXCLUDED.created_ts`,
    [userId, roomId, now],
  );
}
