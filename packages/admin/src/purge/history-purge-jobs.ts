/**
 * History purges as background jobs (Synapse's purge_id and
 * purge_history_status): the job row is written before the request answers and
 * updated as the purge ends, in the database, so any replica reports it. One
 * active purge per room at a time.
 */
import { randomBytes } from 'node:crypto';
import { MatrixError } from '@lattice/core';
import type { ClientApiContext } from '@lattice/client-api';
import { purgeHistoryBefore, type PurgePoint } from './history-purge.js';
import { announcePurgedRoom } from './purged-room-caches.js';
import { INTERRUPTED, keepAlive, staleBefore } from './job-heartbeat.js';

export interface PurgeJobStatus {
  status: 'active' | 'complete' | 'failed';
  error?: string;
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
  const inserted = await ctx.db.query(
    `INSERT INTO purge_history_jobs (purge_id, room_id, status, started_ts, heartbeat_ts)
     SELECT $1, $2, 'active', $3, $3
     WHERE NOT EXISTS (SELECT 1 FROM purge_history_jobs WHERE room_id = $2 AND status = 'active' AND heartbeat_ts > $4)`,
    [purgeId, roomId, Date.now(), staleBefore()],
  );
  if (inserted.rowCount === 0) throw new MatrixError(400, 'M_UNKNOWN', 'History purge already in progress for room');
  const done = runHistoryPurge(ctx, purgeId, roomId, before, deleteLocalEvents);
  return { purgeId, done };
}

async function runHistoryPurge(ctx: ClientApiContext, purgeId: string, roomId: string, before: PurgePoint, deleteLocalEvents: boolean): Promise<void> {
  const stopBeating = keepAlive(ctx.db, 'purge_history_jobs', purgeId);
  try {
    const deleted = await purgeHistoryBefore(ctx.db, { roomId, before, deleteLocalEvents, serverName: ctx.config.server_name });
    await announcePurgedRoom(ctx, roomId);
    await finish(ctx, purgeId, 'complete', deleted.length);
    ctx.logger.info({ roomId, purgeId, deleted: deleted.length }, 'purged room history');
  } catch (err) {
    ctx.logger.error({ err, roomId, purgeId }, 'history purge failed');
    await finish(ctx, purgeId, 'failed', 0, err instanceof Error ? err.message : String(err)).catch(() => undefined);
  } finally {
    stopBeating();
  }
}

async function finish(ctx: ClientApiContext, purgeId: string, status: 'complete' | 'failed', deleted: number, error?: string): Promise<void> {
  await ctx.db.query(
    'UPDATE purge_history_jobs SET status = $2, deleted = $3, error = $4, finished_ts = $5 WHERE purge_id = $1',
    [purgeId, status, deleted, error ?? null, Date.now()],
  );
}

export async function historyPurgeStatus(ctx: ClientApiContext, purgeId: string): Promise<PurgeJobStatus | undefined> {
  const { rows } = await ctx.db.query<{ status: PurgeJobStatus['status']; error: string | null; heartbeat_ts: number }>(
    'SELECT status, error, heartbeat_ts FROM purge_history_jobs WHERE purge_id = $1',
    [purgeId],
  );
  const row = rows[0];
  if (!row) return undefined;
  if (row.status === 'active' && row.heartbeat_ts <= staleBefore()) return { status: 'failed', error: INTERRUPTED };
  return row.error === null ? { status: row.status } : { status: row.status, error: row.error };
}
