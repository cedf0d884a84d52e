/**
 * The retention purge jobs (Synapse's retention.purge_jobs): every `interval`,
 * each room whose effective max_lifetime falls in the job's range loses the
 * events older than that lifetime, local ones included, through the same
 * background purge as the purge history admin API (so the room's state and
 * latest events stay). Runs in one process only: the single process, or the
 * first caches writer of the worker split (a purge announces the purged room
 * on that stream, purged-room-caches.ts).
 */
import type { ClientApiContext } from '@lattice/client-api';
import { MatrixError, effectiveRetention, inJobRange } from '@lattice/core';
import { startHistoryPurge } from '../purge/history-purge-jobs.js';
import { hasHistoryBefore, pointBeforeTs } from '../purge/purge-point.js';

type PurgeJob = ClientApiContext['config']['retention']['purge_jobs'][number];

/** Synapse's default when no job is configured: every room, once a day. */
const DEFAULT_JOBS: PurgeJob[] = [{ interval: 86_400_000 }];
const JOB_RECORDS_KEPT_MS = 7 * 86_400_000;

export interface RetentionPurges {
  stop(): void;
}

/** Runs one job now over every room it covers; resolves with the rooms purged once their purges end. */
export async function runRetentionJob(ctx: ClientApiContext, job: PurgeJob, now = Date.now()): Promise<string[]> {
  const { rows } = await ctx.db.query<{ room_id: string; content: Record<string, unknown> | string | null }>(
    `SELECT r.room_id, event_jsonb(e.json) -> 'content' AS content FROM rooms r
     LEFT JOIN current_state_events c ON c.room_id = r.room_id AND c.type = 'm.room.retention' AND c.state_key = ''
     LEFT JOIN events e ON e.event_id = c.event_id
     ORDER BY r.room_id`,
  );
  const purged: string[] = [];
  const running: Promise<void>[] = [];
  for (const row of rows) {
    const content = typeof row.content === 'string' ? (JSON.parse(row.content) as Record<string, unknown>) : (row.content ?? undefined);
    const { max_lifetime: maxLifetime } = effectiveRetention(ctx.config.retention, content ?? undefined);
    if (maxLifetime === undefined || !inJobRange(maxLifetime, job)) continue;
    try {
      const before = await pointBeforeTs(ctx.db, row.room_id, now - maxLifetime);
      if (!(await hasHistoryBefore(ctx.db, row.room_id, before))) continue;
      const { done } = await startHistoryPurge(ctx, row.room_id, before, true);
      running.push(done);
      purged.push(row.room_id);
    } catch (err) {
      // A purge already running in the room covers it; the next run catches up.
      if (!(err instanceof MatrixError)) ctx.logger.error({ err, roomId: row.room_id }, 'retention purge failed to start');
    }
  }
  await Promise.all(running);
  await forgetOldJobs(ctx, now);
  return purged;
}

/** Finished jobs are reported for a week, then forgotten (every retention run would otherwise add rows forever). */
async function forgetOldJobs(ctx: ClientApiContext, now: number): Promise<void> {
  const before = now - JOB_RECORDS_KEPT_MS;
  await ctx.db.query('DELETE FROM purge_history_jobs WHERE finished_ts < $1', [before]);
  await ctx.db.query('DELETE FROM room_delete_jobs WHERE finished_ts < $1', [before]);
}

export function startRetentionPurges(ctx: ClientApiContext): RetentionPurges {
  const { retention } = ctx.config;
  if (!retention.enabled) return { stop: () => undefined };
  const jobs = retention.purge_jobs.length > 0 ? retention.purge_jobs : DEFAULT_JOBS;
  const timers = jobs.map((job) => {
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      runRetentionJob(ctx, job)
        .catch((err: unknown) => ctx.logger.error({ err }, 'retention purge job failed'))
        .finally(() => (busy = false));
    }, Math.max(job.interval, 1_000));
    timer.unref();
    return timer;
  });
  return { stop: () => timers.forEach((t) => clearInterval(t)) };
}
