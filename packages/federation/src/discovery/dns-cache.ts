/**
 * Short-lived caches in front of DNS for outbound federation: Node's resolvers
 * ask the network every time (no TTLs are exposed), and every request to a
 * server would otherwise cost an SRV and an A/AAAA query. Only answers are
 * kept, never failures; concurrent lookups of one name share one query. The
 * outbound address policy still checks every cached address on every use.
 */
import type { HostResolver } from '@lattice/core';
import type { SrvLookup } from './srv-lookup.js';

export const DNS_CACHE_TTL_MS = 5 * 60_000;
const MAX_ENTRIES = 10_000;

function memoize<T>(lookup: (name: string) => Promise<T>, ttlMs: number, now: () => number): (name: string) => Promise<T> {
  const answers = new Map<string, { value: T; expiresAt: number }>();
  const pending = new Map<string, Promise<T>>();
  return (name) => {
    const hit = answers.get(name);
    if (hit !== undefined && hit.expiresAt > now()) return Promise.resolve(hit.value);
    let running = pending.get(name);
    if (running === undefined) {
      running = lookup(name)
        .then((value) => {
          answers.delete(name);
          if (answers.size >= MAX_ENTRIES) answers.delete(answers.keys().next().value as string);
          answers.set(name, { value, expiresAt: now() + ttlMs });
          return value;
        })
        .finally(() => pending.delete(name));
      pending.set(name, running);
    }
    return running;
  };
}

export function cachedSrvLookup(lookup: SrvLookup, ttlMs = DNS_CACHE_TTL_MS, now: () => number = Date.now): SrvLookup {
  return memoize(lookup, ttlMs, now);
}

export function cachedHostResolver(resolve: HostResolver, ttlMs = DNS_CACHE_TTL_MS, now: () => number = Date.now): HostResolver {
  return memoize(resolve, ttlMs, now);
}
