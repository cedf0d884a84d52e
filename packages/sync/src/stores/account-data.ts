/**
 * Account data (global when roomId is '', else per room): the latest content
 * per (user, room, type), each write at a new account_data stream position so
 * /sync sends exactly the rows above its token.
 */
import type { UserScopedRow } from '@lattice/replication';
import type { Database, Queryable } from '@lattice/storage';
import type { RowWriter } from './stream-write.js';

// Reads shared with the client API (ignored users hide events in /messages too).
import { GLOBAL_ROOM } from '@lattice/client-api';
export { GLOBAL_ROOM, getAccountData } from '@lattice/client-api';

export interface AccountDataRow {
  roomId: string;
  type: string;
  content: Record<string, unknown>;
  streamId: number;
}

/** The stream row: room account data still only wakes its user (it is private). */
function rowFor(userId: string, roomId: string): UserScopedRow {
  return roomId === GLOBAL_ROOM ? { user_id: userId } : { user_id: userId, room_id: roomId };
}

/** Writes content at a new position and announces it to the user's syncs. Returns the position. */
export function putAccountData(
  db: Database,
  writer: RowWriter<UserScopedRow>,
  userId: string,
  roomId: string,
  type: string,
  content: Record<string, unknown>,
): Promise<number> {
  return writer.write(db, async (tx, position) => {
    await tx.query(
      `INSERT INTO account_data (user_id, room_id, type, content, stream_id) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (user_id, room_id, type) DO UPDATE SET content = EXCLUDED.content, stream_id = EXCLUDED.stream_id`,
      [userId, roomId, type, JSON.stringify(content), position],
    );
    return [rowFor(userId, roomId)];
  });
}

/**
 * Read-modify-write of one entry (room tags): `update` gets the current content
 * ({} when unset) under a row lock and returns the new content.
 */
export function updateAccountData(
  db: Database,
  writer: RowWriter<UserScopedRow>,
  userId: string,
  roomId: string,
  type: string,
  update: (current: Record<string, unknown>) => Record<string, unknown>,
): Promise<number> {
  return writer.write(db, async (tx, position) => {
    // Creating the row first gives concurrent first writers a row to queue on.
    await tx.query(
      `INSERT INTO account_data (user_id, room_id, type, content, stream_id) VALUES ($1, $2, $3, '{}', $4)
       ON CONFLICT (user_id, room_id, type) DO NOTHING`,
      [userId, roomId, type, position],
    );
    const { rows } = await tx.query<{ content: string }>(
      'SELECT content FROM account_data WHERE user_id = $1 AND room_id = $2 AND type = $3 FOR UPDATE',
      [userId, roomId, type],
    );
    const content = update(JSON.parse(rows[0]!.content) as Record<string, unknown>);
    await tx.query(
      'UPDATE account_data SET content = $4, stream_id = $5 WHERE user_id = $1 AND room_id = $2 AND type = $3',
      [userId, roomId, type, JSON.stringify(content), position],
    );
    return [rowFor(userId, roomId)];
  });
}

/** The user's account data written in (from, to] (from 0: everything), global and per room. */
export async function accountDataBetween(db: Queryable, userId: string, from: number, to: number): Promise<AccountDataRow[]> {
  // Most incremental syncs: the stream did not move, so the window holds nothing.
  if (from >= to) return [];
  const { rows } = await db.query<{ room_id: string; type: string; content: string; stream_id: number }>(
    `SELECT room_id, type, content, stream_id FROM account_data
     WHERE user_id = $1 AND stream_id > $2 AND stream_id <= $3`,
    [userId, from, to],
  );
  return rows.map((r) => ({
    roomId: r.room_id,
    type: r.type,
    content: JSON.parse(r.content) as Record<string, unknown>,
    streamId: r.stream_id,
  }));
}
