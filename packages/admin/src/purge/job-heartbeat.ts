/**
 * Liveness of background jobs (migrations/0022_admin_rooms.sql): a running job
 * refreshes its row's heartbeat_ts; one not refreshed for STALE_AFTER_MS was
 * lost with its process (a crash, a restart) and is claimed by the job runner
 * of another (or the restarted) process, which runs it again (admin-job-runner.ts).
 */
import type { Queryable } from '@lattice/storage';

export const STALE_AFTER_MS = 5 * 60_000;
const BEAT_MS = 30_000;

export type JobTable = 'purge_history_jobs' | 'room_delete_jobs';
const ID_COLUMN: Record<JobTable, string> = { purge_history_jobs: 'purge_id', room_delete_jobs: 'delete_id' };
/** The statuses of a job that has not ended yet. */
export const UNFINISHED: Record<JobTable, readonly string[]> = {
  purge_history_jobs: ['active'],
  room_delete_jobs: ['shutting_down', 'purging'],
};

/** Refreshes the job's heartbeat until the returned function is called. */
export function keepAlive(db: Queryable, table: JobTable, id: string): () => void {
  const timer = setInterval(() => {
    db.query(`UPDATE ${table} SET heartbeat_ts = $2 WHERE ${ID_COLUMN[table]} = $1`, [id, Date.now()]).catch(() => undefined);
  }, BEAT_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** Heartbeats at or before this time are of lost jobs. */
export function staleBefore(now = Date.now(), staleAfterMs = STALE_AFTER_MS): number {
  return now - staleAfterMs;
}

/**
 * Takes over the unfinished jobs whose heartbeat is stale, in one statement: the
 * claim refreshes the heartbeat, so a concurrent claim (row-locked, then
 * re-checked by PostgreSQL) no longer matches and no job runs twice.
 */
export async function claimStaleJobs<Row extends object>(
  db: Queryable,
  table: JobTable,
  columns: string,
  staleAfterMs = STALE_AFTER_MS,
  now = Date.now(),
): Promise<Row[]> {
  const { rows } = await db.query<Row>(
    `UPDATE ${table} SET heartbeat_ts = $1 WHERE status = ANY ($2::text[]) AND heartbeat_ts <= $3 RETURNING ${columns}`,
    [now, UNFINISHED[table], staleBefore(now, staleAfterMs)],
  );
  return rows;
}

/** The error of a lost job that cannot run again (recorded before jobs kept their parameters). */
export const INTERRUPTED = 'The job was interrupted (its process stopped) and cannot be resumed';
