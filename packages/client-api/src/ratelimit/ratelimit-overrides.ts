/**
 * Overrides looked up on every rate-limited request of a user, so cached per
 * worker (absence too). Correctness rests on the `caches` stream: a change
 * drops the user's entry on every worker (ratelimit-override-store.ts).
 */
import { onCacheInvalidation, type ReplicationHub } from '@lattice/replication';
import { Lru } from '@lattice/rooms';
import type { Queryable } from '@lattice/storage';
import { RATELIMIT_OVERRIDE_CACHE, readRatelimitOverride, type RatelimitOverride } from './ratelimit-override-store.js';

const CAPACITY = 50_000;

export class RatelimitOverrides {
  private readonly byUser = new Lru<string, RatelimitOverride | null>(CAPACITY);
  /** Counts invalidations: a read that raced one is not cached (it may predate the change). */
  private generation = 0;

  constructor(private readonly db: Queryable) {}

  async get(userId: string): Promise<RatelimitOverride | undefined> {
    const cached = this.byUser.get(userId);
    if (cached !== undefined) return cached ?? undefined;
    const readAt = this.generation;
    const override = await readRatelimitOverride(this.db, userId);
    if (readAt === this.generation) this.byUser.set(userId, override ?? null);
    return override;
  }

  invalidate(userIds: readonly string[] | undefined): void {
    this.generation++;
    if (userIds === undefined) this.byUser.clear();
    else for (const userId of userIds) this.byUser.delete(userId);
  }
}

const perHub = new WeakMap<ReplicationHub, RatelimitOverrides>();

/** The worker's override cache, subscribed to its hub's `caches` stream on first use. */
export function ratelimitOverridesOf(hub: ReplicationHub, db: Queryable): RatelimitOverrides {
  let overrides = perHub.get(hub);
  if (!overrides) {
    const created = new RatelimitOverrides(db);
    onCacheInvalidation(hub, RATELIMIT_OVERRIDE_CACHE, (keys) => created.invalidate(keys));
    perHub.set(hub, (overrides = created));
  }
  return overrides;
}
