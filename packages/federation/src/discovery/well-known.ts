/**
 * GET https://<hostname>/.well-known/matrix/server (wellknown.yaml), cached per
 * the spec: the response's Cache-Control (24 h without one, 48 h at most),
 * invalid answers an hour, unreachable servers with exponential backoff.
 * Redirects are followed (by safeFetch, each hop checked against the address
 * policy; it also stops loops). Concurrent lookups for one host share a fetch.
 */
import { isValidServerName, OutboundError, safeFetch, type SafeResponse } from '@lattice/core';
import type { OutboundSettings } from '../transport/outbound-settings.js';
import { failureBackoff, WELL_KNOWN_INVALID_TTL_MS, wellKnownTtl } from './cache-control.js';

interface Entry {
  /** The m.server value, or undefined when there is no usable delegation. */
  delegated: string | undefined;
  expiresAt: number;
  failures: number;
}

const MAX_BYTES = 64 * 1024;
const TIMEOUT_MS = 10_000;
const MAX_ENTRIES = 10_000;

/** GETs a well-known URL; rejects with OutboundError when there is no answer. Injectable for tests. */
export type WellKnownFetch = (url: string) => Promise<Pick<SafeResponse, 'status' | 'headers' | 'body'>>;

/** The real fetch: through the outbound policy and TLS settings, following redirects. */
export function wellKnownFetch(outbound: OutboundSettings): WellKnownFetch {
  return (url) => safeFetch(url, { ...outbound, maxBytes: MAX_BYTES, timeoutMs: TIMEOUT_MS, headers: { accept: 'application/json' } });
}

export class WellKnownResolver {
  private readonly cache = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<string | undefined>>();
  private readonly now: () => number;
  private readonly get: WellKnownFetch;

  constructor(get: WellKnownFetch, options: { now?: () => number } = {}) {
    this.get = get;
    this.now = options.now ?? Date.now;
  }

  /** The delegated server name (`<delegated_hostname>[:<delegated_port>]`), or undefined. */
  async delegatedServer(hostname: string): Promise<string | undefined> {
    const entry = this.cache.get(hostname);
    if (entry !== undefined && entry.expiresAt > this.now()) return entry.delegated;
    let running = this.inFlight.get(hostname);
    if (running === undefined) {
      running = this.fetch(hostname, entry?.failures ?? 0).finally(() => this.inFlight.delete(hostname));
      this.inFlight.set(hostname, running);
    }
    return running;
  }

  private async fetch(hostname: string, previousFailures: number): Promise<string | undefined> {
    let result: Omit<Entry, 'expiresAt'> & { ttl: number };
    try {
      const res = await this.get(`https://${hostname}/.well-known/matrix/server`);
      const delegated = res.status === 200 ? parseWellKnown(res.body) : undefined;
      const ttl = delegated === undefined ? WELL_KNOWN_INVALID_TTL_MS : wellKnownTtl(headerText(res.headers['cache-control']));
      result = { delegated, failures: 0, ttl };
    } catch (err) {
      // Anything but "the server did not answer" (a refused address, a bad URL) is as good as invalid.
      const unreachable = err instanceof OutboundError && (err.reason === 'network' || err.reason === 'timeout' || err.reason === 'dns');
      const failures = unreachable ? previousFailures + 1 : 0;
      result = { delegated: undefined, failures, ttl: unreachable ? failureBackoff(failures) : WELL_KNOWN_INVALID_TTL_MS };
    }
    if (!this.cache.has(hostname) && this.cache.size >= MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(hostname, { delegated: result.delegated, failures: result.failures, expiresAt: this.now() + result.ttl });
    return result.delegated;
  }
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/** m.server of a well-known body, if it is a valid server name. */
export function parseWellKnown(body: Buffer): string | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const server = (json as Record<string, unknown>)['m.server'];
  return typeof server === 'string' && isValidServerName(server) ? server : undefined;
}
