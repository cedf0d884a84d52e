/** The rooms this server is in where another server's user is joined, from the current state. */
import type { Queryable } from '@lattice/storage';

export async function roomsJoinedByRemoteUser(db: Queryable, userId: string): Promise<string[]> {
  const { rows } = await db.query<{ room_id: string }>(
    `SELECT room_id FROM current_state_events WHERE type = 'm.room.member' AND state_key = $1 AND membership = 'join' ORDER BY room_id`,
    [userId],
  );
  return rows.map((r) => r.room_id);
}
