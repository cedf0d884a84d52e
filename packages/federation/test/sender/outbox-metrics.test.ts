/**
 * The outbox gauges with several federation senders: each reports only the
 * destinations it owns, so the sums over instances are the server's figures,
 * which a sender owning everything (the single process) reports alone.
 */
import { createMetrics, type Metrics } from '@lattice/core';
import { createTestDatabase, migrate, type Database } from '@lattice/storage';
import { registerFederationOutboxMetrics } from '../../src/sender/outbox-metrics.js';
import { parsePrometheusText, total } from '../../../../tests/support/prometheus-text.js';

const NOW = 10_000_000;
const GAUGES = ['lattice_federation_outbox_depth', 'lattice_federation_destinations_backing_off', 'lattice_federation_outbox_destination_depth'];

describe.each(['pglite', 'postgres'] as const)('outbox gauges per sender (%s)', (kind) => {
  let db: Database;
  const registered: Metrics[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    await migrate(db);
    // a: 3 items, queued at NOW-5s (oldest overall), backing off; b: 2 items from NOW-2s; c: 1 item; d: backing off, nothing queued.
    const queued: Array<[string, number]> = [['a', NOW - 5_000], ['a', NOW - 1_000], ['a', NOW - 1_000], ['b', NOW - 2_000], ['b', NOW - 1_000], ['c', NOW - 1_000]];
    for (const [destination, ts] of queued) {
      await db.query(`INSERT INTO federation_outbox (destination, kind, payload_json, queued_ts) VALUES ($1, 'edu', '{}', $2)`, [destination, ts]);
    }
    for (const destination of ['a', 'd']) {
      await db.query('INSERT INTO federation_destinations (destination, retry_after_ts, retry_interval_ms, failing_since_ts) VALUES ($1, $2, 60000, $3)', [destination, NOW + 60_000, NOW]);
    }
    // Tried before and reachable: not backing off.
    await db.query('INSERT INTO federation_destinations (destination, retry_after_ts, retry_interval_ms) VALUES ($1, 0, 0)', ['c']);
  });
  afterAll(async () => {
    registered.forEach((m) => m.close());
    await db?.close();
  });

  async function scrape(owns?: (destination: string) => boolean) {
    const metrics = createMetrics('federation-sender');
    registered.push(metrics);
    registerFederationOutboxMetrics(metrics, db, { owns, clock: () => NOW });
    return parsePrometheusText(await metrics.registry.metrics());
  }

  test('a sender owning every destination reports the whole outbox', async () => {
    const all = await scrape();
    expect(total(all, 'lattice_federation_outbox_depth')).toBe(6);
    expect(total(all, 'lattice_federation_outbox_oldest_age_seconds')).toBe(5);
    expect(total(all, 'lattice_federation_destinations_backing_off')).toBe(2);
    expect(total(all, 'lattice_federation_outbox_destination_depth', { destination: 'a' })).toBe(3);
    expect(total(all, 'lattice_federation_outbox_destination_depth', { destination: 'b' })).toBe(2);
    expect(total(all, 'lattice_federation_outbox_destination_depth', { destination: 'c' })).toBe(1);
  });

  test("two senders each report their own destinations' share; the sums are the whole", async () => {
    const all = await scrape();
    const first = await scrape((d) => d === 'a' || d === 'c');
    const second = await scrape((d) => d === 'b' || d === 'd');
    expect(total(first, 'lattice_federation_outbox_depth')).toBe(4);
    expect(total(second, 'lattice_federation_outbox_depth')).toBe(2);
    expect(total(first, 'lattice_federation_destinations_backing_off')).toBe(1);
    expect(total(second, 'lattice_federation_destinations_backing_off')).toBe(1);
    expect(total(first, 'lattice_federation_outbox_oldest_age_seconds')).toBe(5);
    expect(total(second, 'lattice_federation_outbox_oldest_age_seconds')).toBe(2);
    expect(total(second, 'lattice_federation_outbox_destination_depth', { destination: 'a' })).toBe(0);
    for (const gauge of GAUGES) expect(total(first, gauge) + total(second, gauge)).toBe(total(all, gauge));
  });

  test('a sender with nothing of its own queued reports an empty outbox', async () => {
    const none = await scrape(() => false);
    expect(total(none, 'lattice_federation_outbox_depth')).toBe(0);
    expect(total(none, 'lattice_federation_outbox_oldest_age_seconds')).toBe(0);
    expect(total(none, 'lattice_federation_destinations_backing_off')).toBe(0);
  });
});
