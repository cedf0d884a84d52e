/**
 * PGlite runs no autovacuum, and so no autoanalyze either: a table's planner
 * statistics stay those of its last ANALYZE (never analysed: the planner's
 * default guesses), however much it grows. Guessing a room's events at a few
 * dozen rows, PostgreSQL read and sorted every event before a /messages or
 * /context position to return one page (O(room history) per page) instead of
 * walking the index for the page. This pass does autoanalyze's job with its
 * default thresholds: a table whose rows changed by more than 50 + 10% of its
 * size since its last ANALYZE is analysed again, one table per statement.
 */
import type { Database } from './database.js';

/** Analyses each table changed enough since its last ANALYZE; returns their names. */
export async function analyzeChangedTables(db: Database): Promise<string[]> {
  // format('%I') quotes the names as PostgreSQL itself would.
  const { rows } = await db.query<{ name: string; qualified: string }>(
    `SELECT s.relname AS name, format('%I.%I', s.schemaname, s.relname) AS qualified FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
     WHERE s.n_mod_since_analyze > 50 + 0.1 * greatest(c.reltuples, 0)
     ORDER BY s.n_mod_since_analyze DESC`,
    [],
  );
  for (const { qualified } of rows) await db.query(`ANALYZE ${qualified}`, []);
  return rows.map((r) => r.name);
}

