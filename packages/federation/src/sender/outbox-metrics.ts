/**
 * The outbound federation backlog as gauges, read from the durable outbox at
 * scrape time: the total depth, the age of the oldest queued item, how many
 * destinations are backing off, and the depth of the few deepest destinations
 * (a label per destination would grow without bound; the top few name the
 * servers worth looking at). Registered by the process that runs the sender;
 * with several senders, each reports the destinations it owns, so that the
 * sums over instances are the server's backlog.
 */
import type { Metrics } from '@lattice/core';
import type { Queryable } from '@lattice/storage';

/** Destinations named in lattice_federation_outbox_destination_depth. */
export const TOP_DESTINATIONS = 10;

interface Snapshot {
  depth: number;
  oldestTs: number | null;
  backingOff: number;
  top: Array<{ destination: string; depth: number }>;
}

export interface OutboxMetricsOptions {
  /** The destinations this sender owns (FederationSenderOptions.owns); default: all. */
  owns?: ((destination: string) => boolean) | undefined;
  clock?: () => number;
}

export function registerFederationOutboxMetrics(metrics: Metrics, db: Queryable, options: OutboxMetricsOptions = {}): () => void {
  const clock = options.clock ?? Date.now;
  const owns = options.owns ?? (() => true);
  // The gauges collect concurrently in one scrape: they share the reading in flight.
  let pending: Promise<Snapshot> | undefined;
  const snapshot = (): Promise<Snapshot> =>
    (pending ??= read(db, clock(), owns).finally(() => {
      pending = undefined;
    }));
  const offs = [
    metrics.registerGauge('lattice_federation_outbox_depth', 'PDUs and EDUs queued for other servers', [], async () => [
      { value: (await snapshot()).depth },
    ]),
    metrics.registerGauge(
      'lattice_federation_outbox_oldest_age_seconds',
      'Age of the oldest item queued for another server (0 when the outbox is empty)',
      [],
      async () => {
        const { oldestTs } = await snapshot();
        return [{ value: oldestTs === null ? 0 : Math.max(0, (clock() - oldestTs) / 1000) }];
      },
    ),
    metrics.registerGauge(
      'lattice_federation_destinations_backing_off',
      'Destinations the sender is not trying until their backoff ends',
      [],
      async () => [{ value: (await snapshot()).backingOff }],
    ),
    metrics.registerGauge(
      'lattice_federation_outbox_destination_depth',
      `Items queued for each of the ${TOP_DESTINATIONS} destinations with the most`,
      ['destination'],
      async () => (await snapshot()).top.map(({ destination, depth }) => ({ labels: { destination }, value: depth })),
    ),
  ];
  return () => offs.forEach((off) => off());
}

async function read(db: Queryable, now: number, owns: (destination: string) => boolean): Promise<Snapshot> {
  // After this scrape's other samples are taken: the pool gauge should not count the scrape's own query.
  await new Promise((resolve) => setImmediate(resolve));
  // Per destination, not summed in SQL: the shard is a hash of the name (rendezvous), computed here.
  const { rows } = await db.query<{ destination: string; depth: string; oldest: string | null; backing_off: boolean }>(
    `SELECT destination, sum(depth) AS depth, min(oldest) AS oldest, bool_or(backing_off) AS backing_off FROM (
       SELECT destination, count(*) AS depth, min(queued_ts) AS oldest, false AS backing_off FROM federation_outbox GROUP BY destination
       UNION ALL
       SELECT destination, 0, NULL, true FROM federation_destinations WHERE retry_interval_ms > 0 AND retry_after_ts > $1
     ) d GROUP BY destination`,
    [now],
  );
  const snapshot: Snapshot = { depth: 0, oldestTs: null, backingOff: 0, top: [] };
  for (const r of rows) {
    if (!owns(r.destination)) continue;
    const depth = Number(r.depth);
    snapshot.depth += depth;
    if (r.oldest !== null) snapshot.oldestTs = Math.min(snapshot.oldestTs ?? Infinity, Number(r.oldest));
    if (r.backing_off) snapshot.backingOff++;
    if (depth > 0) snapshot.top.push({ destination: r.destination, depth });
  }
  snapshot.top = snapshot.top.sort((a, b) => b.depth - a.depth || (a.destination < b.destination ? -1 : 1)).slice(0, TOP_DESTINATIONS);
  return snapshot;
}
