/**
 * The durable side of the `caches` stream: a writer records each invalidation
 * in the transaction that made the cached data stale, at the position the
 * stream writer allocated, and a reader that missed the announcement reads the
 * rows back (CachesRowSource), so no worker keeps serving a stale entry.
 */
import type { Database, Queryable, ScriptRunner } from '@lattice/storage';
import type { ReplicationHub } from '../hub/replication-hub.js';
import type { CacheRow, PositionedRow, StreamName, StreamRowSource } from '../types.js';

/**
 * Runs `change` and records `row` in one commit of the `caches` stream, which this instance must write:
 * every worker drops what the change made stale. Resolves with the row's position and the change's result.
 */
export async function invalidatingWrite<T>(
  hub: Pick<ReplicationHub, 'writer' | 'instanceName'>,
  db: Database,
  row: CacheRow,
  change: (tx: ScriptRunner) => Promise<T>,
): Promise<{ position: number; result: T }> {
  let result!: T;
  const position = await hub.writer('caches').write(db, async (tx, position) => {
    result = await change(tx);
    await recordCacheInvalidation(tx, position, hub.instanceName, row);
    return [row];
  });
  return { position, result };
}

export async function recordCacheInvalidation(
  tx: Queryable,
  position: number,
  instance: string,
  row: CacheRow,
  now = Date.now(),
): Promise<void> {
  await tx.query(
    'INSERT INTO cache_invalidations (stream_id, instance_name, cache_name, keys, ts) VALUES ($1, $2, $3, $4::jsonb, $5)',
    [position, instance, row.cache, row.keys === undefined ? null : JSON.stringify(row.keys), now],
  );
}

/**
 * Calls `invalidate` with the keys of each invalidation of `cache` this worker applies, its own or another
 * worker's (undefined keys: the whole cache); returns the unsubscription.
 */
export function onCacheInvalidation(
  hub: Pick<ReplicationHub, 'onUpdate'>,
  cache: string,
  invalidate: (keys: string[] | undefined) => void,
): () => void {
  return hub.onUpdate('caches', (update) => {
    for (const row of update.rows as CacheRow[]) if (row.cache === cache) invalidate(row.keys);
  });
}

interface CacheInvalidationRecord {
  stream_id: number;
  cache_name: string;
  keys: string[] | null;
}

export class CachesRowSource implements StreamRowSource<CacheRow> {
  constructor(private readonly db: Queryable) {}

  async rowsBetween(stream: StreamName, instance: string, fromExclusive: number, toInclusive: number): Promise<PositionedRow<CacheRow>[]> {
    if (stream !== 'caches') throw new Error(`CachesRowSource cannot read the ${stream} stream`);
    const { rows } = await this.db.query<CacheInvalidationRecord>(
      `SELECT stream_id, cache_name, keys FROM cache_invalidations
        WHERE instance_name = $1 AND stream_id > $2 AND stream_id <= $3 ORDER BY stream_id`,
      [instance, fromExclusive, toInclusive],
    );
    return rows.map((r) => ({
      position: r.stream_id,
      row: r.keys === null ? { cache: r.cache_name } : { cache: r.cache_name, keys: r.keys },
    }));
  }
}
