import type { Metrics } from '@lattice/core';
import type { Database } from '@lattice/storage';

/** The process's database pool in lattice_db_pool_connections (total, idle, waiting); returns the unregister function. */
export function registerDatabaseMetrics(metrics: Metrics, db: Database, pool = 'main'): () => void {
  const stats = db.poolStats?.bind(db);
  if (stats === undefined) return () => undefined;
  return metrics.registerDatabasePool(pool, stats);
}
