/**
 * The admin API's background work in the worker split: resuming interrupted
 * purges and room deletions, and the retention purges. A purge announces the
 * room it emptied on the `caches` stream so that every worker drops its cached
 * events and state (listenForPurgedRooms), so this work runs on the stream's
 * writers (the client readers, which serve /_synapse/admin): the job runner on
 * each (claims are atomic), retention on the first only (it must run once).
 */
import type { ClientApiContext } from '@lattice/client-api';
import { startAdminJobRunner, startRetentionPurges } from '@lattice/admin';

export interface AdminBackgroundWork {
  stop(): void;
}

export function startAdminBackgroundWork(ctx: ClientApiContext): AdminBackgroundWork {
  const { hub } = ctx.rooms;
  if (!hub.writes('caches')) return { stop: () => undefined };
  const jobs = startAdminJobRunner(ctx);
  const writers = ctx.config.stream_writers.caches;
  const retention = writers.length === 0 || writers[0] === hub.instanceName ? startRetentionPurges(ctx) : undefined;
  return {
    stop: () => {
      jobs.stop();
      retention?.stop();
    },
  };
}
