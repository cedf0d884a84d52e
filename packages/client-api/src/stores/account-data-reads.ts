/**
 * Reading a user's account data (table and writes: packages/sync, migrations/0004_sync.sql).
 * Global account data is stored with room id ''.
 */
import type { Queryable } from '@lattice/storage';

/** Global account data uses this room id. */
export const GLOBAL_ROOM = '';

export async function getAccountData(
  db: Queryable,
  userId: string,
  roomId: string,
  type: string,
): Promise<Record<string, unknown> | undefined> {
  const { rows } = await db.query<{ content: string }>(
    'SELECT content FROM account_data WHERE user_id = $1 AND room_id = $2 AND type = $3',
    [userId, roomId, type],
  );
  return rows[0] ? (JSON.parse(rows[0].content) as Record<string, unknown>) : undefined;
}
