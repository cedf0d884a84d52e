/**
 * Access tokens this worker has looked up recently, so that an authenticated
 * request costs no database round trip (it was the largest share of a send's
 * latency). Correctness rests on invalidation, not expiry: every path that
 * revokes or changes a user's tokens writes a `caches` row for the user
 * (token-revocation.ts) and every worker drops that user's entries before its
 * caches position moves. The short lifetime only bounds what a change made
 * behind the server's back (an operator's SQL) can leave cached.
 */
import { onCacheInvalidation, type ReplicationHub } from '@lattice/replication';
import { Lru } from '@lattice/rooms';
import type { AccessTokenRecord } from '../stores/access-tokens.js';

/** The `caches` stream's name for this cache; row keys are user ids. */
export const ACCESS_TOKEN_CACHE = 'access_tokens';

const CAPACITY = 50_000;
const MAX_AGE_MS = 60_000;

interface Entry {
  record: AccessTokenRecord;
  cachedAt: number;
}

export class AccessTokenCache {
  private readonly byHash = new Lru<string, Entry>(CAPACITY, 'access_tokens');
  /**
   * Counts invalidations. A lookup notes it before reading the database and
   * caches its result only if it has not moved: a read that raced a revocation
   * may have seen the token before it went, and must not outlive the revocation.
   */
  private generation = 0;

  /** What to pass to set() for a record read from the database after this call. */
  snapshot(): number {
    return this.generation;
  }

  get(hash: string, now = Date.now()): AccessTokenRecord | undefined {
    const entry = this.byHash.get(hash);
    if (!entry) return undefined;
    if (now - entry.cachedAt > MAX_AGE_MS) {
      this.byHash.delete(hash);
      return undefined;
    }
    return entry.record;
  }

  set(hash: string, record: AccessTokenRecord, readAt: number, now = Date.now()): void {
    if (readAt !== this.generation) return;
    this.byHash.set(hash, { record, cachedAt: now });
  }

  /**
   * Drops every token of these users (undefined: every token). A scan of the
   * cache: revocations are rare next to lookups, and no per-user index can go
   * stale as the LRU evicts.
   */
  invalidateUsers(userIds: readonly string[] | undefined): void {
    this.generation++;
    if (userIds === undefined) return this.byHash.clear();
    const users = new Set(userIds);
    this.byHash.deleteWhere((entry) => users.has(entry.record.userId));
  }
}

const caches = new WeakMap<ReplicationHub, AccessTokenCache>();

/** The worker's cache, subscribed to its hub's `caches` stream on first use. */
export function accessTokenCacheOf(hub: ReplicationHub): AccessTokenCache {
  let cache = caches.get(hub);
  if (!cache) {
    const created = new AccessTokenCache();
    onCacheInvalidation(hub, ACCESS_TOKEN_CACHE, (keys) => created.invalidateUsers(keys));
    caches.set(hub, (cache = created));
  }
  return cache;
}
