/**
 * The outbound federation backlog as gauges, read from the durable outbox at
 * scrape time: the total depth, the age of the oldest queued item, how many
 * destinations are backing off, and the depth of the few deepest destinations
 * (a label per destination would grow without bound; the top few name the
 * servers worth looking at). Registered by the process that runs the sender.
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

export function registerFederationOutboxMetrics(metrics: Metrics, db: Queryable, clock: () => number = Date.now): () => void {
  // The gauges collect concurrently in one scrape: they share the reading in flight.
  let pending: Promise<Snapshot> | undefined;
  const snapshot = (): Promise<Snapshot> =>
    (pending ??= read(db, clock()).finally(() => {
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

async function read(db: Queryable, now: number): Promise<Snapshot> {
  // After this scrape's other samples are taken: the pool gauge should not count the scrape's own query.
  await new Promise((resolve) => setImmediate(resolve));
  const { rows } = await db.query<{ depth: number; oldest: number | null; backing_off: number; top: Array<{ destination: string; depth: number }> | null }>(
    `SELECT (SELECT count(*) FROM federation_outbox) AS depth,
            (SELECT min(queued_ts) FROM federation_outbox) AS oldest,
            (SELECT count(*) FROM federation_destinations WHERE retry_interval_ms > 0 AND retry_after_ts > $1) AS backing_off,
            (SELECT json_agg(t) FROM (
               SELECT destination, count(*) AS depth FROM federation_outbox
               GROUP BY destination ORDER BY depth DESC, destination LIMIT ${TOP_DESTINATIONS}) t) AS top`,
    [now],
  );
  const row = rows[0]!;
  return {
    depth: Number(row.depth),
    oldestTs: row.oldest === null ? null : Number(row.oldest),
    backingOff: Number(row.backing_off),
    top: (row.top ?? []).map((r) => ({ destination: r.destination, depth: Number(r.depth) })),
  };
}
