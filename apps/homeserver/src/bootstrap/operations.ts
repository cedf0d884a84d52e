import express from 'express';
import type { Database } from '@lattice/storage';
import type { Metrics } from '@lattice/core';

/**
 * /health (liveness: the process answers), /ready (readiness: the database
 * answers) and, where asked, /metrics (prom-client exposition).
 */
export function operationsRouter(db: Database, metrics: Metrics | undefined): express.Router {
  const router = express.Router();
  router.get('/health', (_req, res) => {
    res.type('text/plain').send('OK');
  });
  router.get('/ready', async (_req, res) => {
    try {
      await db.query('SELECT 1');
      res.type('text/plain').send('OK');
    } catch {
      res.status(503).type('text/plain').send('database unavailable');
    }
  });
  if (metrics) {
    router.get('/metrics', async (_req, res) => {
      res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    });
  }
  return router;
}
