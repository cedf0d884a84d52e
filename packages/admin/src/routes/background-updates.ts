/**
 * GET /_synapse/admin/v1/background_updates/status in Synapse's shape: the
 * background work running now (history purges and room deletions, oldest
 * first) as the current update of the one database.
 */
import type { ClientApiContext } from '@lattice/client-api';
import { Router } from 'express';
import { staleBefore } from '../purge/job-heartbeat.js';

export function backgroundUpdatesRouter(ctx: ClientApiContext): Router {
  const router = Router();
  router.get('/v1/background_updates/status', async (_req, res) => {
    const { rows } = await ctx.db.query<{ name: string; items: number; started_ts: number }>(
      `SELECT * FROM (
         SELECT 'purge_history ' || room_id AS name, deleted::int AS items, started_ts FROM purge_history_jobs WHERE status = 'active' AND heartbeat_ts > $1
         UNION ALL
         SELECT 'delete_room ' || room_id, 0, started_ts FROM room_delete_jobs WHERE status IN ('shutting_down', 'purging') AND heartbeat_ts > $1
       ) jobs ORDER BY started_ts LIMIT 1`,
      [staleBefore()],
    );
    const current: Record<string, unknown> = {};
    const job = rows[0];
    if (job) {
      const duration = Math.max(0, Date.now() - job.started_ts);
      current['main'] = {
        name: job.name,
        total_item_count: job.items,
        total_duration_ms: duration,
        average_items_per_ms: duration > 0 ? job.items / duration : 0,
      };
    }
    res.json({ enabled: true, current_updates: current });
  });
  return router;
}
