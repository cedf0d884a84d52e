/**
 * Room deletions as background jobs (Synapse's delete room API, version 2):
 * shutting_down → purging → complete, or failed with the error. The job row
 * (with the deletion asked for) is written before the request answers and
 * updated as the job moves on, in the database, so any replica reports it and,
 * should its process stop, another resumes it from its last status
 * (admin-job-runner.ts). One unfinished deletion per room at a time.
 */
import { MatrixError } from '@lattice/core';
import type { ClientApiContext } from '@lattice/client-api';
import { blockRoom } from '../rooms/room-blocks.js';
import { emptyShutdownResult, shutdownRoom, type ShutdownRequest, type ShutdownResult } from '../rooms/room-shutdown.js';
import { newJobId } from './history-purge-jobs.js';
import { announcePurgedRoom } from './purged-room-caches.js';
import { purgeRoom } from './room-purge.js';
import { INTERRUPTED, claimStaleJobs, keepAlive } from './job-heartbeat.js';

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
    // A lost deletion of the room still counts: the job runner resumes it.
    `INSERT INTO room_delete_jobs (delete_id, room_id, status, result, started_ts, heartbeat_ts, params)
     SELECT $1, $2, 'shutting_down', $3::jsonb, $4, $4, $5::jsonb
     WHERE NOT EXISTS (SELECT 1 FROM room_delete_jobs WHERE room_id = $2 AND status IN ('shutting_down', 'purging'))`,
    [deleteId, deletion.roomId, JSON.stringify(emptyShutdownResult()), Date.now(), JSON.stringify(deletion)],
  );
  if (inserted.rowCount === 0) throw new MatrixError(400, 'M_UNKNOWN', `History purge already in progress for ${deletion.roomId}`);
  return { deleteId, done: runDeletion(ctx, deleteId, deletion, 'shutting_down', emptyShutdownResult()) };
}

/** Claims the room deletions lost with their process and runs them again from their last status; resolves when they end. */
export async function resumeRoomDeletions(ctx: ClientApiContext, staleAfterMs?: number): Promise<string[]> {
  const claimed = await claimStaleJobs<JobRow & { params: RoomDeletion | string | null }>(
    ctx.db,
    'room_delete_jobs',
    'delete_id, room_id, status, result, error, params',
    staleAfterMs,
  );
  await Promise.all(
    claimed.map(async (row) => {
      const result = parsed(row.result);
      if (row.params === null) return update(ctx, row.delete_id, 'failed', result, INTERRUPTED);
      ctx.logger.info({ roomId: row.room_id, deleteId: row.delete_id, status: row.status }, 'resuming an interrupted room deletion');
      return runDeletion(ctx, row.delete_id, parsed(row.params), row.status, result);
    }),
  );
  return claimed.map((row) => row.delete_id);
}

/** Runs the deletion from `from` on: a deletion resumed while purging was already shut down. */
async function runDeletion(ctx: ClientApiContext, deleteId: string, deletion: RoomDeletion, from: DeleteStatus, result: ShutdownResult): Promise<void> {
  const stopBeating = keepAlive(ctx.db, 'room_delete_jobs', deleteId);
  try {
    if (deletion.block) await blockRoom(ctx.db, deletion.roomId, deletion.requester);
    if (deletion.known) {
      if (from === 'shutting_down') await shutdownRoom(ctx, deletion, result, (progress) => update(ctx, deleteId, 'shutting_down', progress));
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
}

/** A JSONB column (the pg driver parses it; PGlite may hand back text). */
function parsed<T>(value: T | string): T {
  return typeof value === 'string' ? (JSON.parse(value) as T) : value;
}

/** An interrupted deletion keeps its status until the job runner that claims it finishes it. */
function toJob(row: JobRow): DeleteJob {
  const job: DeleteJob = { delete_id: row.delete_id, room_id: row.room_id, status: row.status, shutdown_room: parsed(row.result) };
  if (row.error !== null) job.error = row.error;
  return job;
}

export async function deleteJob(ctx: ClientApiContext, deleteId: string): Promise<DeleteJob | undefined> {
  const { rows } = await ctx.db.query<JobRow>(
    'SELECT delete_id, room_id, status, result, error FROM room_delete_jobs WHERE delete_id = $1',
    [deleteId],
  );
  return rows[0] && toJob(rows[0]);
}

export async function deleteJobsOfRoom(ctx: ClientApiContext, roomId: string): Promise<DeleteJob[]> {
  const { rows } = await ctx.db.query<JobRow>(
    'SELECT delete_id, room_id, status, result, error FROM room_delete_jobs WHERE room_id = $1 ORDER BY started_ts, delete_id',
    [roomId],
  );
  return rows.map(toJob);
}
