/**
 * Deleting a room's history before a point in DAG order (Synapse's purge
 * history, also run by the retention jobs), keeping the room consistent:
 *   - the room's forward extremities are never touched, so new events still
 *     have prev_events and the persister's view of the room stays valid;
 *   - state events are kept (the current state, auth events and the state
 *     groups of later events name them) but become outliers, so timelines
 *     (/messages, /sync) stop at the purge point;
 *   - a redaction whose target is kept is kept as an outlier too, so the
 *     target's content stays pruned;
 *   - every other event is deleted with its rows in the per-event tables.
 * Works in batches of one transaction each: a crash leaves a purge partly
 * done, never an inconsistent event, and running the purge again finishes it
 * (what is left before the point is exactly what the first run had not done).
 */
import type { Database, Queryable } from '@lattice/storage';

const BATCH = 2_000;

/** Events strictly before this position (topological, stream) are purged. */
export interface PurgePoint {
  topological: number;
  stream: number;
}

export interface HistoryPurge {
  roomId: string;
  before: PurgePoint;
  /** false (Synapse's default): only events sent by other servers' users are deleted. */
  deleteLocalEvents: boolean;
  serverName: string;
}

interface Candidate {
  event_id: string;
  is_state: boolean;
  type: string;
  stream_ordering: number;
}

/** Runs inside each batch's transaction with the ids it deleted (progress commits with the batch). */
export type BatchHook = (tx: Queryable, deleted: readonly string[]) => Promise<void>;

/** Deletes the history; returns the ids of the deleted events. */
export async function purgeHistoryBefore(db: Database, purge: HistoryPurge, onBatch?: BatchHook): Promise<string[]> {
  const deleted: string[] = [];
  for (;;) {
    const batch = await db.transaction(async (tx) => {
      const { rows } = await tx.query<Candidate>(
        `SELECT e.event_id, e.state_key IS NOT NULL AS is_state, e.type, e.stream_ordering FROM events e
         WHERE e.room_id = $1 AND (e.topological_ordering, e.stream_ordering) < ($2, $3) AND NOT e.outlier
           AND NOT EXISTS (SELECT 1 FROM event_forward_extremities f WHERE f.room_id = $1 AND f.event_id = e.event_id)
           AND ($4 OR substring(e.sender FROM position(':' IN e.sender) + 1) <> $5)
         ORDER BY e.topological_ordering, e.stream_ordering LIMIT $6`,
        [purge.roomId, purge.before.topological, purge.before.stream, purge.deleteLocalEvents, purge.serverName, BATCH],
      );
      const kept = rows.filter((r) => r.is_state).map((r) => r.event_id);
      const messages = rows.filter((r) => !r.is_state && r.type !== 'm.room.redaction');
      await deleteEvents(tx, purge.roomId, messages);
      // Redactions last: a target deleted just above no longer needs its redaction.
      const redactions = rows.filter((r) => !r.is_state && r.type === 'm.room.redaction');
      const { rows: keptRedactions } = await tx.query<{ event_id: string }>(
        `SELECT r.event_id FROM redactions r JOIN events t ON t.event_id = r.redacts WHERE r.event_id = ANY ($1::text[])`,
        [redactions.map((r) => r.event_id)],
      );
      const keep = new Set(keptRedactions.map((r) => r.event_id));
      kept.push(...keep);
      const gone = redactions.filter((r) => !keep.has(r.event_id));
      await deleteEvents(tx, purge.roomId, gone);
      if (kept.length > 0) await tx.query('UPDATE events SET outlier = TRUE WHERE event_id = ANY ($1::text[])', [kept]);
      const deleted = [...messages, ...gone].map((r) => r.event_id);
      await onBatch?.(tx, deleted);
      return { scanned: rows.length, deleted };
    });
    deleted.push(...batch.deleted);
    if (batch.scanned < BATCH) return deleted;
  }
}

/** Deletes events and their rows in the tables keyed by event (state events never come here). */
async function deleteEvents(tx: Queryable, roomId: string, events: readonly Candidate[]): Promise<void> {
  if (events.length === 0) return;
  const ids = events.map((e) => e.event_id);
  const positions = events.map((e) => e.stream_ordering);
  for (const table of ['event_edges', 'event_auth', 'event_relations', 'redactions', 'event_txn_ids', 'event_search', 'event_to_state_groups']) {
    await tx.query(`DELETE FROM ${table} WHERE event_id = ANY ($1::text[])`, [ids]);
  }
  for (const table of ['event_push_outcomes', 'event_push_exceptions']) {
    await tx.query(`DELETE FROM ${table} WHERE room_id = $1 AND stream_ordering = ANY ($2::bigint[])`, [roomId, positions]);
  }
  await tx.query('DELETE FROM events WHERE event_id = ANY ($1::text[])', [ids]);
}
