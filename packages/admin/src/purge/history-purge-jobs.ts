/**
 * History purges as background jobs (Synapse's purge_id and
 * purge_history_status): the job row, with what the purge was asked to do, is
 * written before the request answers and updated as the purge ends, in the
 * database, so any replica reports it and, should its process stop, another
 * resumes it (admin-job-runner.ts). One unfinished purge per room at a time.
 */
import { randomBytes } from 'node:crypto';
import { MatrixError } from '@lattice/core';
import type { ClientApiContext } from '@lattice/client-api';
import { purgeHistoryBefore, type PurgePoint } from './history-purge.js';
import { announcePurgedRoom } from './purged-room-caches.js';
import { INTERRUPTED, claimStaleJobs, keepAlive } from './job-heartbeat.js';

export interface PurgeJobStatus {
  status: 'active' | 'complete' | 'failed';
  error?: string;
}

/** What a purge job was asked to do (the job row's params). */
interface PurgeParams {
  before: PurgePoint;
  delete_local_events: boolean;
}

export function newJobId(): string {
  return randomBytes(12).toString('base64url');
}

/** Records the job and starts it; resolves with its id once recorded (the returned `done` settles when it ends). */
export async function startHistoryPurge(
  ctx: ClientApiContext,
  roomId: string,
  before: PurgePoint,
  deleteLocalEvents: boolean,
): Promise<{ purgeId: string; done: Promise<void> }> {
  const purgeId = newJobId();
  const params: PurgeParams = { before, delete_local_events: deleteLocalEvents };
  // A lost purge of the room still counts: the job runner resumes it.
  const inserted = await ctx.db.query(
    `INSERT INTO purge_history_jobs (purge_id, room_id, status, started_ts, heartbeat_ts, params)
     SELECT $1, $2, 'active', $3, $3, $4::jsonb
     WHERE NOT EXISTS (SELECT 1 FROM purge_history_jobs WHERE room_id = $2 AND status = 'active')`,
    [purgeId, roomId, Date.now(), JSON.stringify(params)],
  );
  if (inserted.rowCount === 0) throw new MatrixError(400, 'M_UNKNOWN', 'History purge already in progress for room');
  const done = runHistoryPurge(ctx, purgeId, roomId, params);
  return { purgeId, done };
}

/** Claims the history purges lost with their process and runs them again; resolves when they end. */
export async function resumeHistoryPurges(ctx: ClientApiContext, staleAfterMs?: number): Promise<string[]> {
  const claimed = await claimStaleJobs<{ purge_id: string; room_id: string; params: PurgeParams | string | null }>(
    ctx.db,
    'purge_history_jobs',
    'purge_id, room_id, params',
    staleAfterMs,
  );
  await Promise.all(
    claimed.map(async ({ purge_id: purgeId, room_id: roomId, params }) => {
      if (params === null) return finish(ctx, purgeId, 'failed', INTERRUPTED);
      ctx.logger.info({ roomId, purgeId }, 'resuming an interrupted history purge');
      return runHistoryPurge(ctx, purgeId, roomId, typeof params === 'string' ? (JSON.parse(params) as PurgeParams) : params);
    }),
  );
  return claimed.map((job) => job.purge_id);
}

async function runHistoryPurge(ctx: ClientApiContext, purgeId: string, roomId: string, params: PurgeParams): Promise<void> {
  const stopBeating = keepAlive(ctx.db, 'purge_history_jobs', purgeId);
  try {
    const purge = { roomId, before: params.before, deleteLocalEvents: params.delete_local_events, serverName: ctx.config.server_name };
    // The count commits with each batch, so a resumed purge reports the events of every run.
    const deleted = await purgeHistoryBefore(ctx.db, purge, async (tx, ids) => {
      if (ids.length > 0) await tx.query('UPDATE purge_history_jobs SET deleted = deleted + $2 WHERE purge_id = $1', [purgeId, ids.length]);
    });
    await announcePurgedRoom(ctx, roomId);
    await finish(ctx, purgeId, 'complete');
    ctx.logger.info({ roomId, purgeId, deleted: deleted.length }, 'purged room history');
  } catch (err) {
    ctx.logger.error({ err, roomId, purgeId }, 'history purge failed');
    await finish(ctx, purgeId, 'failed', err instanceof Error ? err.message : String(err)).catch(() => undefined);
  } finally {
    stopBeating();
  }
}

async function finish(ctx: ClientApiContext, purgeId: string, status: 'complete' | 'failed', error?: string): Promise<void> {
  await ctx.db.query('UPDATE purge_history_jobs SET status = $2, error = $3, finished_ts = $4 WHERE purge_id = $1', [
    purgeId,
    status,
    error ?? null,
    Date.now(),
  ]);
}

export async function historyPurgeStatus(ctx: ClientApiContext, purgeId: string): Promise<PurgeJobStatus | undefined> {
  const { rows } = await ctx.db.query<{ status: PurgeJobStatus['status']; error: string | null }>(
    'SELECT status, error FROM purge_history_jobs WHERE purge_id = $1',
    [purgeId],
  );
  const row = rows[0];
  if (!row) return undefined;
  // An interrupted purge stays 'active' until the job runner that claims it finishes it.
  return row.error === null ? { status: row.status } : { status: row.status, error: row.error };
}
