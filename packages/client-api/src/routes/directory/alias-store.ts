/** The room_aliases table: this server's aliases and the rooms they point to. */
import type { Queryable } from '@lattice/storage';

export interface AliasRecord {
  roomId: string;
  /** The local user who created the alias; null for aliases from other sources. */
  creator: string | null;
  servers: string[];
}

/** Inserts a mapping; false (nothing written) when the alias is already taken. */
export async function insertAlias(db: Queryable, alias: string, roomId: string, creator: string | null, servers: readonly string[]): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO room_aliases (room_alias, room_id, creator, servers) VALUES ($1, $2, $3, $4::text[])
     ON CONFLICT (room_alias) DO NOTHING`,
    [alias, roomId, creator, servers],
  );
  return rowCount > 0;
}

export async function getAlias(db: Queryable, alias: string): Promise<AliasRecord | undefined> {
  const { rows } = await db.query<{ room_id: string; creator: string | null; servers: string[] }>(
    'SELECT room_id, creator, servers FROM room_aliases WHERE room_alias = $1',
    [alias],
  );
  const row = rows[0];
  return row && { roomId: row.room_id, creator: row.creator, servers: row.servers };
}

/** Removes a mapping if it still points to `roomId`; false when it is gone or was re-pointed meanwhile. */
export async function deleteAlias(db: Queryable, alias: string, roomId: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM room_aliases WHERE room_alias = $1 AND room_id = $2', [alias, roomId]);
  return rowCount > 0;
}

export async function aliasesOfRoom(db: Queryable, roomId: string): Promise<string[]> {
  const { rows } = await db.query<{ room_alias: string }>('SELECT room_alias FROM room_aliases WHERE room_id = $1 ORDER BY room_alias', [roomId]);
  return rows.map((r) => r.room_alias);
}

/** Re-points every alias of `fromRoomId` to `toRoomId` (room upgrades); returns the aliases moved. */
export async function moveRoomAliases(db: Queryable, fromRoomId: string, toRoomId: string): Promise<string[]> {
  const { rows } = await db.query<{ room_alias: string }>(
    'UPDATE room_aliases SET room_id = $2 WHERE room_id = $1 RETURNING room_alias',
    [fromRoomId, toRoomId],
  );
  return rows.map((r) => r.room_alias).sort();
}
