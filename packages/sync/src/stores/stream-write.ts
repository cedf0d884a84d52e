/**
 * The writer side this package needs from @lattice/replication's StreamWriter:
 * run a write in a transaction with a freshly allocated stream position, then
 * publish the rows it returns (ARCHITECTURE.md §4). Declared structurally so
 * tests and the hub's writers bind to it alike.
 */
import type { Database, ScriptRunner } from '@lattice/storage';

export interface RowWriter<Row> {
  write(db: Database, fn: (tx: ScriptRunner, position: number) => Promise<Row[]>): Promise<number>;
}
