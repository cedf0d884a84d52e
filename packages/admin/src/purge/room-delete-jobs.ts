/**
 * Room deletions as background jobs (Synapse's delete room API, version 2):
 * shutting_down → purging → complete, or failed with the error. The job row
 * is written before the request answers and updated as the job moves on, in
 * the database, so any replica reports it. One deletion per room at a time.
 */
import { MatrixError } from '@lattice/core';
import type { ClientApiContext } from '@lattice/client-api';
import { blockRoom } from '../rooms/room-blocks.js';
import { emptyShutdownResult, shutdownRoom, type ShutdownRequest, type ShutdownResult } from '../rooms/room-shutdown.js';
import { newJobId } from './history-purge-jobs.js';
import { announcePurgedRoom } from './purged-room-caches.js';
import { purgeRoom } from './room-purge.js';
import { INTERRUPTED, keepAlive, staleBefore } from './job-heartbeat.js';

export type DeleteStatus = 'shutting_down' | 'purging' | 'complete' | 'failed';

export interface RoomDeletion extends ShutdownRequest {
  /** The admin asking. */
  requester: string;
  block: boolean;
  purge: boolean;
  forcePurge: boolean;
  /** The room is held here (otherwise only the block applies). */
  known: boolean;
}

export interface DeleteJob {
  delete_id: string;
  room_id: string;
  status: DeleteStatus;
  shutdown_room: ShutdownResult;
  error?: string;
}

export async function startRoomDeletion(ctx: ClientApiContext, deletion: RoomDeletion): Promise<{ deleteId: string; done: Promise<void> }> {
  const deleteId = newJobId();
  const inserted = await ctx.db.query(
    `INSERT INTO room_delete_jobs (delete_id, room_id, status, result, started_ts, heartbeat_ts)
     SELECT $1, $2, 'shutting_down', $3::jsonb, $4, $4
     WHERE NOT EXISTS (SELECT 1 FROM room_delete_jobs WHERE room_id = $2 AND status IN ('shutting_down', 'purging') AND heartbeat_ts > $5)`,
    [deleteId, deletion.roomId, JSON.stringify(emptyShutdownResult()), Date.now(), staleBefore()],
  );
  if (inserted.rowCount === 0) throw new MatrixError(400, 'M_UNKNOWN', `History purge already in progress for ${deletion.roomId}`);
  return { deleteId, done: runDeletion(ctx, deleteId, deletion) };
}

async function runDeletion(ctx: ClientApiContext, deleteId: string, deletion: RoomDeletion): Promise<void> {
  const result = emptyShutdownResult();
  const stopBeating = keepAlive(ctx.db, 'room_delete_jobs', deleteId);
  try {
    if (deletion.block) await blockRoom(ctx.db, deletion.roomId, deletion.requester);
    if (deletion.known) {
      await shutdownRoom(ctx, deletion, result);
      if (deletion.purge) {
        await update(ctx, deleteId, 'purging', result);
        await assertNoLocalMembers(ctx, deletion);
        await purgeRoom(ctx.db, deletion.roomId);
        await announcePurgedRoom(ctx, deletion.roomId);
      }
    }
    await update(ctx, deleteId, 'complete', result);
    ctx.logger.info({ roomId: deletion.roomId, deleteId, result }, 'deleted room');
  } catch (err) {
    ctx.logger.error({ err, roomId: deletion.roomId, deleteId }, 'room deletion failed');
    await update(ctx, deleteId, 'failed', result, err instanceof Error ? err.message : String(err)).catch(() => undefined);
  } finally {
    stopBeating();
  }
}

/** Without force_purge, a room is purged only once no local user is still joined (a kick that failed). */
async function assertNoLocalMembers(ctx: ClientApiContext, deletion: RoomDeletion): Promise<void> {
  if (deletion.forcePurge) return;
  const { rows } = await ctx.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM current_state_events
     WHERE room_id = $1 AND type = 'm.room.member' AND membership = 'join' AND substring(state_key FROM position(':' IN state_key) + 1) = $2`,
    [deletion.roomId, ctx.config.server_name],
  );
  if ((rows[0]?.n ?? 0) > 0) throw new Error('Users are still joined to this room');
}

async function update(ctx: ClientApiContext, deleteId: string, status: DeleteStatus, result: ShutdownResult, error?: string): Promise<void> {
  const done = status === 'complete' || status === 'failed';
  await ctx.db.query(
    'UPDATE room_delete_jobs SET status = $2, result = $3::jsonb, error = $4, finished_ts = $5 WHERE delete_id = $1',
    [deleteId, status, JSON.stringify(result), error ?? null, done ? Date.now() : null],
  );
}

interface JobRow {
  delete_id: string;
  room_id: string;
  status: DeleteStatus;
  result: ShutdownResult | string;
  error: string | null;
  heartbeat_ts: number;
}

function toJob(row: JobRow): DeleteJob {
  const result = typeof row.result === 'string' ? (JSON.parse(row.result) as ShutdownResult) : row.result;
  const job: DeleteJob = { delete_id: row.delete_id, room_id: row.room_id, status: row.status, shutdown_room: result };
  if (row.error !== null) job.error = row.error;
  if ((row.status === 'shutting_down' || row.status === 'purging') && row.heartbeat_ts <= staleBefore()) {
    job.status = 'failed';
    job.error = INTERRUPTED;
  }
  return job;
}

export async function deleteJob(ctx: ClientApiContext, deleteId: string): Promise<DeleteJob | undefined> {
  const { rows } = await ctx.db.query<JobRow>(
    'SELECT delete_id, room_id, status, result, error, heartbeat_ts FROM room_delete_jobs WHERE delete_id = $1',
    [deleteId],
  );
  return rows[0] && toJob(rows[0]);
}

export async function deleteJobsOfRoom(ctx: ClientApiContext, roomId: string): Promise<DeleteJob[]> {
  const { rows } = await ctx.db.query<JobRow>(
    'SELECT delete_id, room_id, status, result, error, heartbeat_ts FROM room_delete_jobs WHERE room_id = $1 ORDER BY started_ts, delete_id',
    [roomId],
  );
  return rows.map(toJob);
}
