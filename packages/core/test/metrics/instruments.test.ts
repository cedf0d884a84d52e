/** Process-wide instruments in every registry, and gauges whose whole set of series is read at each scrape. */
import { cacheCounters, createMetrics, eventsPersisted, type Metrics } from '../../src/metrics/index.js';
import { parsePrometheusText, total } from '../../../../tests/support/prometheus-text.js';

let metrics: Metrics;
beforeEach(() => {
  metrics = createMetrics('event-persister');
});
afterEach(() => metrics.close());

const scrape = async () => parsePrometheusText(await metrics.registry.metrics());

test('process-wide counters appear in each registry under its role', async () => {
  const other = createMetrics('sync');
  try {
    const before = await scrape();
    eventsPersisted.inc(3);
    const after = await scrape();
    expect(total(after, 'lattice_events_persisted_total', { role: 'event-persister' }) - total(before, 'lattice_events_persisted_total')).toBe(3);
    const otherSamples = parsePrometheusText(await other.registry.metrics());
    expect(total(otherSamples, 'lattice_events_persisted_total', { role: 'sync' })).toBe(total(after, 'lattice_events_persisted_total'));
  } finally {
    other.close();
  }
});

test('a named cache counts hits and misses, present at 0 from its creation', async () => {
  const counters = cacheCounters('test_cache');
  const zero = await scrape();
  expect(zero.filter((s) => s.labels.cache === 'test_cache').map((s) => s.labels.result).sort()).toEqual(['hit', 'miss']);
  counters.hit();
  counters.hit();
  counters.miss();
  const after = await scrape();
  const moved = (result: string) =>
    total(after, 'lattice_cache_requests_total', { cache: 'test_cache', result }) - total(zero, 'lattice_cache_requests_total', { cache: 'test_cache', result });
  expect([moved('hit'), moved('miss')]).toEqual([2, 1]);
});

test('registerGauge: each scrape shows exactly the series read, a failing reader shows none, unregistering removes the gauge', async () => {
  let reading: Array<{ labels: { destination: string }; value: number }> = [{ labels: { destination: 'a.example' }, value: 4 }];
  let failing = false;
  const off = metrics.registerGauge('lattice_test_depth', 'test', ['destination'], async () => {
    if (failing) throw new Error('database down');
    return reading;
  });
  const depth = (samples: Awaited<ReturnType<typeof scrape>>) =>
    samples.filter((s) => s.name === 'lattice_test_depth').map((s) => [s.labels.destination, s.value]);
  expect(depth(await scrape())).toEqual([['a.example', 4]]);
  reading = [{ labels: { destination: 'b.example' }, value: 2 }];
  expect(depth(await scrape())).toEqual([['b.example', 2]]);
  failing = true;
  const duringFailure = await scrape();
  expect(depth(duringFailure)).toEqual([]);
  expect(total(duringFailure, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  off();
  expect((await scrape()).some((s) => s.name === 'lattice_test_depth')).toBe(false);
});
