/** Rooms two users are both joined to, the first a local user (GET /mutual_rooms). */
import type { Queryable } from '@lattice/storage';

/** Room ids in ascending order: a stable order for pagination. */
export async function mutualJoinedRooms(db: Queryable, localUserId: string, otherUserId: string): Promise<string[]> {
  const { rows } = await db.query<{ room_id: string }>(
    `SELECT m.room_id FROM local_current_membership m
     JOIN current_state_events c ON c.room_id = m.room_id AND c.type = 'm.room.member' AND c.state_key = $2
     WHERE m.user_id = $1 AND m.membership = 'join' AND c.membership = 'join'
     ORDER BY m.room_id`,
    [localUserId, otherUserId],
  );
  return rows.map((r) => r.room_id);
}
