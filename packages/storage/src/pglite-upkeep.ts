/**
 * PGlite has no autovacuum daemon (no background workers): the process that
 * embeds it does the daemon's two jobs itself, every few minutes. It vacuums
 * the queue tables (queue-vacuum.ts) and analyses the tables that changed
 * (table-statistics.ts). PostgreSQL's own autovacuum does both there.
 */
import type { Logger } from '@lattice/core';
import type { Database } from './database.js';
import { vacuumQueueTables } from './queue-vacuum.js';
import { analyzeChangedTables } from './table-statistics.js';

const DEFAULT_INTERVAL_MS = 5 * 60_000;

/** On PGlite, a pass every `intervalMs`; elsewhere nothing. Returns the stop function. */
export function startPgliteUpkeep(db: Database, logger: Pick<Logger, 'warn'>, intervalMs = DEFAULT_INTERVAL_MS): () => void {
  if (db.kind !== 'pglite') return () => undefined;
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    (async () => {
      await vacuumQueueTables(db).catch((err: unknown) => logger.warn({ err }, 'vacuum of the queue tables failed'));
      await analyzeChangedTables(db).catch((err: unknown) => logger.warn({ err }, 'analysing changed tables failed'));
    })().finally(() => (running = false));
  }, intervalMs).unref();
  return () => clearInterval(timer);
}
