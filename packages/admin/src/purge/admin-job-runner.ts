/**
 * Resumes admin jobs (history purges, room deletions) lost with their process:
 * at start-up and then every staleness period, the runner claims the jobs whose
 * heartbeat went stale (atomically: no two processes take the same job) and
 * runs them again to completion; purges are idempotent, so a half-done one is
 * finished. Runs where the admin API is served and the `caches` stream is
 * written, since a finished purge announces itself there (purged-room-caches.ts).
 */
import type { ClientApiContext } from '@lattice/client-api';
import { resumeHistoryPurges } from './history-purge-jobs.js';
import { resumeRoomDeletions } from './room-delete-jobs.js';
import { STALE_AFTER_MS } from './job-heartbeat.js';

export interface AdminJobRunnerOptions {
  /** A job whose heartbeat is this old was lost (default five minutes; heartbeats come every 30 s, keep it well above). */
  staleAfterMs?: number;
}

export interface AdminJobRunner {
  /** Settles once the jobs claimed at start-up have ended. */
  readonly resumed: Promise<void>;
  stop(): void;
}

/** One sweep: claims the stale jobs and runs them; resolves with their ids once they have ended. */
export async function resumeInterruptedJobs(ctx: ClientApiContext, options: AdminJobRunnerOptions = {}): Promise<string[]> {
  const [purges, deletions] = await Promise.all([
    resumeHistoryPurges(ctx, options.staleAfterMs),
    resumeRoomDeletions(ctx, options.staleAfterMs),
  ]);
  return [...purges, ...deletions];
}

export function startAdminJobRunner(ctx: ClientApiContext, options: AdminJobRunnerOptions = {}): AdminJobRunner {
  const sweep = () =>
    resumeInterruptedJobs(ctx, options).then(
      () => undefined,
      (err: unknown) => ctx.logger.error({ err }, 'resuming interrupted admin jobs failed'),
    );
  const resumed = sweep();
  // Another process that stops for good leaves its jobs to be taken over here.
  const timer = setInterval(() => void sweep(), options.staleAfterMs ?? STALE_AFTER_MS);
  timer.unref();
  return { resumed, stop: () => clearInterval(timer) };
}
