import express from 'express';
import type { Database } from '@lattice/storage';
import type { Metrics } from '@lattice/core';

/** One condition of readiness: resolves to a problem description, or undefined when fine. */
export type ReadinessCheck = () => Promise<string | undefined>;

/**
 * /health (liveness: the process answers), /ready (readiness: the database
 * answers, and every extra check passes: Redis, replication caught up) and,
 * where asked, /metrics (prom-client exposition).
 */
export function operationsRouter(db: Database, metrics: Metrics | undefined, checks: readonly ReadinessCheck[] = []): express.Router {
  const router = express.Router();
  router.get('/health', (_req, res) => {
    res.type('text/plain').send('OK');
  });
  router.get('/ready', async (_req, res) => {
    const problems: string[] = [];
    try {
      await db.query('SELECT 1');
    } catch {
      problems.push('database unavailable');
    }
    for (const check of checks) {
      const problem = await check().catch((err: unknown) => String((err as Error).message ?? err));
      if (problem) problems.push(problem);
    }
    if (problems.length === 0) res.type('text/plain').send('OK');
    else res.status(503).type('text/plain').send(problems.join('\n'));
  });
  if (metrics) {
    router.get('/metrics', async (_req, res) => {
      res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    });
  }
  return router;
}
