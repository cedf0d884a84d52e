/**
 * Counters and histograms recorded by code deep inside the packages (the
 * event persister, the federation sender, caches), which is built in many
 * places and never handed a Metrics. They count for the whole process, as the
 * process's one registry does, and createMetrics registers them into it (under
 * the process's role label).
 */
import { Counter, Histogram, type Metric } from 'prom-client';

/** Persist batches are single statements or short transactions: milliseconds, with a long tail under load. */
const PERSIST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export const eventsPersisted = new Counter({
  name: 'lattice_events_persisted_total',
  help: 'Events written to the events table by this process (local sends and federation)',
  registers: [],
});

export const persistBatchDuration = new Histogram({
  name: 'lattice_event_persist_batch_duration_seconds',
  help: 'Time to write one persist batch (one statement or transaction, possibly many rooms)',
  buckets: PERSIST_BUCKETS,
  registers: [],
});

export const persistFailures = new Counter({
  name: 'lattice_event_persist_failures_total',
  help: 'Persist batches whose write failed (nothing of the batch was written)',
  registers: [],
});

export const federationTransactions = new Counter<'result'>({
  name: 'lattice_federation_transactions_total',
  help: 'Outbound federation transactions, by result (sent: acknowledged by the destination; failed: backing off)',
  labelNames: ['result'],
  registers: [],
});

export const federationSent = new Counter<'kind'>({
  name: 'lattice_federation_sent_total',
  help: 'PDUs and EDUs delivered to other servers in acknowledged transactions, by kind (pdu, edu)',
  labelNames: ['kind'],
  registers: [],
});

export const cacheRequests = new Counter<'cache' | 'result'>({
  name: 'lattice_cache_requests_total',
  help: 'Lookups in named in-memory caches, by cache and result (hit, miss)',
  labelNames: ['cache', 'result'],
  registers: [],
});

// Series that should read 0 rather than be absent before the first occurrence.
for (const result of ['sent', 'failed']) federationTransactions.labels(result).inc(0);
for (const kind of ['pdu', 'edu']) federationSent.labels(kind).inc(0);

/** Everything above, for createMetrics to register. */
export const PROCESS_INSTRUMENTS: readonly Metric[] = [
  eventsPersisted,
  persistBatchDuration,
  persistFailures,
  federationTransactions,
  federationSent,
  cacheRequests,
];

/** A named cache's hit and miss counters, bound once so a lookup costs one increment. */
export function cacheCounters(cache: string): { hit(): void; miss(): void } {
  const hits = cacheRequests.labels(cache, 'hit');
  const misses = cacheRequests.labels(cache, 'miss');
  hits.inc(0);
  misses.inc(0);
  return { hit: () => hits.inc(), miss: () => misses.inc() };
}
