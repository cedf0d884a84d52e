/**
 * The ratelimit_override table (migrations/0024): per-user overrides an admin
 * sets. Every change commits with a `caches` row naming the user, so every
 * worker drops its cached override before its caches position moves on
 * (ratelimit-overrides.ts), and the admin's request answers once this worker
 * has applied it.
 */
import { invalidatingWrite, type CacheRow } from '@lattice/replication';
import type { Queryable } from '@lattice/storage';
import type { ClientApiContext } from '../context.js';

/** The `caches` stream's name for cached overrides; row keys are user ids. */
export const RATELIMIT_OVERRIDE_CACHE = 'ratelimit_override';

/** How long a change waits for this worker to apply its own invalidation. */
const APPLY_WAIT_MS = 10_000;

export interface RatelimitOverride {
  messagesPerSecond: number;
  burstCount: number;
}

export async function readRatelimitOverride(db: Queryable, userId: string): Promise<RatelimitOverride | undefined> {
  const { rows } = await db.query<{ messages_per_second: string | number; burst_count: string | number }>(
    'SELECT messages_per_second, burst_count FROM ratelimit_override WHERE user_id = $1',
    [userId],
  );
  const row = rows[0];
  return row && { messagesPerSecond: Number(row.messages_per_second), burstCount: Number(row.burst_count) };
}

/** Sets (or, with undefined, removes) the user's override. */
export async function writeRatelimitOverride(ctx: ClientApiContext, userId: string, override: RatelimitOverride | undefined): Promise<void> {
  const { hub } = ctx.rooms;
  const row: CacheRow = { cache: RATELIMIT_OVERRIDE_CACHE, keys: [userId] };
  const { position } = await invalidatingWrite(hub, ctx.db, row, async (tx) => {
    if (override === undefined) await tx.query('DELETE FROM ratelimit_override WHERE user_id = $1', [userId]);
    else {
      await tx.query(
        `INSERT INTO ratelimit_override (user_id, messages_per_second, burst_count) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO UPDATE SET messages_per_second = $2, burst_count = $3`,
        [userId, override.messagesPerSecond, override.burstCount],
      );
    }
  });
  await hub.waitForPositions({ caches: position }, APPLY_WAIT_MS);
}
