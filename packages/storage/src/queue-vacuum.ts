/**
 * PGlite runs no autovacuum (it has no background workers), so tables used as
 * queues, whose rows are inserted and deleted once handled, keep every dead
 * row, and the reads that walk them slow down with each one: the federation
 * outbox's `take` went from 0.05 ms to 4.9 ms after 130,000 acknowledged PDUs.
 * On PGlite the single process vacuums them itself (pglite-upkeep.ts), one
 * table per statement, so the event loop turns between them
 * (drivers/loop-turns.ts); the queues are small when they keep up, so each
 * statement is short. PostgreSQL's own autovacuum does this job there.
 */
import type { Database } from './database.js';

/** Tables whose rows are deleted (or rewritten) as a matter of course. */
export const QUEUE_TABLES = [
  'federation_outbox',
  'federation_staged_pdus',
  'federation_inbound_txns',
  'federation_destinations',
  'federation_to_device_received',
  'device_inbox',
  'event_forward_extremities',
  'appservice_txns',
  'stream_positions',
  'uia_sessions',
  'registration_nonces',
  'login_tokens',
] as const;

/** One pass: VACUUM (ANALYZE) each queue table in turn. */
export async function vacuumQueueTables(db: Database): Promise<void> {
  for (const table of QUEUE_TABLES) await db.query(`VACUUM (ANALYZE) ${table}`, []);
}
