/**
 * Deleting every row of a room (the purge step of Synapse's delete room API):
 * first the tables keyed by event id, then every table of the schema with a
 * room_id column (found in the catalogue, so tables added by later migrations
 * are purged too), events, state groups (their entries cascade) and the room
 * itself last. Kept: content reports (evidence for the admins), the block
 * and the admin jobs' own records. One transaction: all or nothing.
 */
import type { Database, Queryable } from '@lattice/storage';

const EVENT_KEYED = ['event_edges', 'event_auth', 'event_relations', 'redactions', 'event_to_state_groups'];
const KEPT = new Set(['content_reports', 'blocked_rooms', 'room_delete_jobs', 'purge_history_jobs']);
const LAST = ['events', 'state_groups', 'rooms'];

/** Deletes the room's rows; returns how many rows went, per table (tables with none left out). */
export async function purgeRoom(db: Database, roomId: string): Promise<Record<string, number>> {
  return db.transaction(async (tx) => {
    const counts: Record<string, number> = {};
    const note = (table: string, n: number) => {
      if (n > 0) counts[table] = (counts[table] ?? 0) + n;
    };
    for (const table of EVENT_KEYED) {
      const r = await tx.query(`DELETE FROM ${table} WHERE event_id IN (SELECT event_id FROM events WHERE room_id = $1)`, [roomId]);
      note(table, r.rowCount);
    }
    for (const table of await tablesWithRoomId(tx)) {
      if (KEPT.has(table) || LAST.includes(table)) continue;
      note(table, (await tx.query(`DELETE FROM "${table}" WHERE room_id = $1`, [roomId])).rowCount);
    }
    for (const table of LAST) note(table, (await tx.query(`DELETE FROM ${table} WHERE room_id = $1`, [roomId])).rowCount);
    return counts;
  });
}

/** Base tables of the current schema that have a room_id column. */
export async function tablesWithRoomId(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ table_name: string }>(
    `SELECT c.table_name FROM information_schema.columns c
     JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
     WHERE c.table_schema = current_schema() AND c.column_name = 'room_id' AND t.table_type = 'BASE TABLE'
     ORDER BY c.table_name`,
  );
  return rows.map((r) => r.table_name);
}
