import { cacheCounters } from '@lattice/core';

/**
 * A bounded map that forgets the least recently used entry (Map keeps insertion order).
 * A named cache counts its hits and misses in lattice_cache_requests_total.
 */
export class Lru<K, V> {
  private readonly map = new Map<K, V>();
  private readonly counters: ReturnType<typeof cacheCounters> | undefined;

  constructor(
    private readonly capacity: number,
    name?: string,
  ) {
    this.counters = name === undefined ? undefined : cacheCounters(name);
  }

  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
      this.counters?.hit();
    } else this.counters?.miss();
    return value;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as K);
  }

  delete(key: K): void {
    this.map.delete(key);
  }

  /** Drops every entry for which `predicate` holds. */
  deleteWhere(predicate: (value: V, key: K) => boolean): void {
    for (const [k, v] of this.map) if (predicate(v, k)) this.map.delete(k);
  }

  clear(): void {
    this.map.clear();
  }

  get size(): number {
    return this.map.size;
  }
}
