/**
 * Per-user values a sync reads every time but that change only when a row of
 * one stream names the user (its memberships: the events stream; its ignored
 * users: account data). An entry remembers the worker's token from just before
 * its load and stays good while the Notifier has seen no row of that stream
 * for the user past that token: a row announced during the load is past it.
 * Entries also age out (maxAgeMs): that bounds what a change no row announces
 * (an operator's purge, a state reset by a remote fork) can leave cached.
 */
import type { Notifier, SyncToken, SyncTokenStream } from '@lattice/replication';
import { Lru } from '@lattice/rooms';

interface Entry<T> {
  value: T;
  loadedAt: SyncToken;
  loadedTs: number;
}

const DEFAULT_MAX_AGE_MS = 5 * 60_000;

export class UserScopedCache<T> {
  private readonly entries: Lru<string, Entry<T>>;

  constructor(
    private readonly notifier: Notifier,
    private readonly currentToken: () => SyncToken,
    private readonly stream: SyncTokenStream,
    name: string,
    private readonly maxAgeMs = DEFAULT_MAX_AGE_MS,
    capacity = 20_000,
    private readonly now: () => number = Date.now,
  ) {
    this.entries = new Lru(capacity, name);
  }

  /** The cached value, or a fresh load (cached); `fresh` forces the load. */
  async get(userId: string, load: () => Promise<T>, fresh = false): Promise<T> {
    const entry = fresh ? undefined : this.entries.get(userId);
    if (entry && this.now() - entry.loadedTs < this.maxAgeMs && !this.notifier.userChangedSince(userId, entry.loadedAt, this.stream)) {
      return entry.value;
    }
    const loadedAt = this.currentToken();
    const loadedTs = this.now();
    const value = await load();
    this.entries.set(userId, { value, loadedAt, loadedTs });
    return value;
  }
}
