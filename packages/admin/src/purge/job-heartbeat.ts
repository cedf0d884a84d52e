/**
 * Liveness of background jobs (migrations/0022_admin_rooms.sql): a running job
 * refreshes its row's heartbeat_ts; one not refreshed for STALE_AFTER_MS was
 * lost with its process (a crash, a restart) and is reported as failed.
 */
import type { Queryable } from '@lattice/storage';

export const STALE_AFTER_MS = 5 * 60_000;
const BEAT_MS = 30_000;

export type JobTable = 'purge_history_jobs' | 'room_delete_jobs';
const ID_COLUMN: Record<JobTable, string> = { purge_history_jobs: 'purge_id', room_delete_jobs: 'delete_id' };

/** Refreshes the job's heartbeat until the returned function is called. */
export function keepAlive(db: Queryable, table: JobTable, id: string): () => void {
  const timer = setInterval(() => {
    db.query(`UPDATE ${table} SET heartbeat_ts = $2 WHERE ${ID_COLUMN[table]} = $1`, [id, Date.now()]).catch(() => undefined);
  }, BEAT_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** Heartbeats at or before this time are of lost jobs. */
export function staleBefore(now = Date.now()): number {
  return now - STALE_AFTER_MS;
}

export const INTERRUPTED = 'The job was interrupted (its process stopped)';
