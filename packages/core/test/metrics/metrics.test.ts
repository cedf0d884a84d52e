import { createHistogram } from 'node:perf_hooks';
import { Registry } from 'prom-client';
import { createMetrics, type Metrics } from '../../src/metrics/index.js';
import { registerEventLoopDelay, type DelayMonitor } from '../../src/metrics/event-loop-delay.js';

let metrics: Metrics;
beforeEach(() => {
  metrics = createMetrics('client-reader');
});
afterEach(() => metrics.close());

const scrape = () => metrics.registry.metrics();

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of an exposition text (label order differs between metric types, so match by content). */
function samples(text: string): Sample[] {
  return text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((line) => {
      const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)!;
      const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1]!, x[2]!]));
      return { name: m[1]!, labels, value: Number(m[3]) };
    });
}

/** Values of the samples named `name` whose labels include `labels`. */
function values(text: string, name: string, labels: Record<string, string> = {}): number[] {
  return samples(text)
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .map((s) => s.value);
}

test('default process metrics, labelled with the role', async () => {
  const text = await scrape();
  expect(values(text, 'process_cpu_user_seconds_total', { role: 'client-reader' })).toHaveLength(1);
  expect(values(text, 'nodejs_heap_size_used_bytes', { role: 'client-reader' })[0]).toBeGreaterThan(0);
  expect(metrics.registry.contentType).toMatch(/^text\/plain/);
});

test('HTTP request durations by method, route template and status', async () => {
  const sendRoute = '/_matrix/client/v3/rooms/:roomId/send/:eventType/:txnId';
  metrics.observeHttpRequest('GET', '/_matrix/client/v3/sync', 200, 0.02);
  metrics.observeHttpRequest('GET', '/_matrix/client/v3/sync', 200, 3);
  metrics.observeHttpRequest('PUT', sendRoute, 429, 0.001);
  const text = await scrape();
  expect(text).toContain('# TYPE lattice_http_request_duration_seconds histogram');
  const sync = { method: 'GET', route: '/_matrix/client/v3/sync', status: '200', role: 'client-reader' };
  expect(values(text, 'lattice_http_request_duration_seconds_count', sync)).toEqual([2]);
  expect(values(text, 'lattice_http_request_duration_seconds_sum', sync)).toEqual([3.02]);
  expect(values(text, 'lattice_http_request_duration_seconds_bucket', { ...sync, le: '0.025' })).toEqual([1]);
  expect(values(text, 'lattice_http_request_duration_seconds_bucket', { ...sync, le: '5' })).toEqual([2]);
  const send = { method: 'PUT', route: sendRoute, status: '429' };
  expect(values(text, 'lattice_http_request_duration_seconds_count', send)).toEqual([1]);
  expect(values(text, 'lattice_http_request_duration_seconds_count')).toHaveLength(2);
});

test('the histogram timer works with labels given at the end', async () => {
  const end = metrics.httpRequestDuration.startTimer({ method: 'POST' });
  end({ route: '/_matrix/client/v3/login', status: '200' });
  const labels = { method: 'POST', route: '/_matrix/client/v3/login', status: '200' };
  expect(values(await scrape(), 'lattice_http_request_duration_seconds_count', labels)).toEqual([1]);
});

test('event-loop delay gauge after the loop has been busy', async () => {
  // The monitor measures between its own ticks (every 50 ms), so let it tick before blocking.
  await new Promise((r) => setTimeout(r, 120));
  const until = Date.now() + 150;
  while (Date.now() < until) {
    // Block the loop so the monitor records a delay.
  }
  await new Promise((r) => setTimeout(r, 80));
  const text = await scrape();
  expect(text).toContain('# TYPE lattice_event_loop_delay_seconds gauge');
  expect(values(text, 'lattice_event_loop_delay_seconds', { stat: 'max', role: 'client-reader' })[0]).toBeGreaterThan(0.08);
  for (const stat of ['p50', 'p90', 'p99', 'mean']) {
    expect(values(text, 'lattice_event_loop_delay_seconds', { stat })[0]).toBeGreaterThanOrEqual(0);
  }
});

test("the event-loop delay leaves out the monitor's own resolution", async () => {
  // Node's monitor records the time between its timer's runs: at a 50 ms resolution an idle loop reads
  // 50 ms and a 150 ms stall 200 ms. Fed such intervals, the gauge must report 0, 0.001 and 0.15 s.
  const registry = new Registry();
  const intervals = createHistogram();
  const monitor: DelayMonitor = Object.assign(intervals, { enable: () => true, disable: () => true });
  for (let i = 0; i < 90; i++) intervals.record(49_800_000); // a timer that ran early: no delay, not a negative one
  for (let i = 0; i < 9; i++) intervals.record(51_000_000);
  intervals.record(200_000_000);
  const stop = registerEventLoopDelay(registry, 50, monitor);
  const text = await registry.metrics();
  stop();
  const stat = (s: string) => values(text, 'lattice_event_loop_delay_seconds', { stat: s })[0];
  expect(stat('p50')).toBe(0);
  expect(stat('p99')).toBeCloseTo(0.001, 4);
  expect(stat('max')).toBeCloseTo(0.15, 4);
  expect(stat('mean')).toBeCloseTo((9 * 0.001 + 0.15 - 90 * 0.0002) / 100, 3);
  expect(intervals.count).toBe(0); // each scrape reports the window since the last
});

test('stream position and lag gauges read at scrape time', async () => {
  let position = 10;
  const events = { stream: 'events', writer: 'persister-1', role: 'client-reader' };
  const off = metrics.registerStreamGauges('events', () => ({ position, lag: 3 }), 'persister-1');
  metrics.registerStreamGauges('typing', async () => ({ position: 7 }));
  let text = await scrape();
  expect(values(text, 'lattice_stream_position', events)).toEqual([10]);
  expect(values(text, 'lattice_stream_lag', events)).toEqual([3]);
  expect(values(text, 'lattice_stream_position', { stream: 'typing', writer: '' })).toEqual([7]);
  expect(values(text, 'lattice_stream_lag', { stream: 'typing' })).toEqual([]);

  position = 42;
  expect(values(await scrape(), 'lattice_stream_position', events)).toEqual([42]);

  off();
  text = await scrape();
  expect(values(text, 'lattice_stream_position', { stream: 'events' })).toEqual([]);
  expect(values(text, 'lattice_stream_lag', { stream: 'events' })).toEqual([]);
  expect(values(text, 'lattice_stream_position', { stream: 'typing' })).toEqual([7]);
});

test('queue depth gauges, sync or async; a failing reader loses only its own sample', async () => {
  metrics.registerQueueDepth('federation-out', () => 5);
  const off = metrics.registerQueueDepth('pushers', async () => 12);
  metrics.registerQueueDepth('broken', () => {
    throw new Error('redis down');
  });
  metrics.registerQueueDepth('rejecting', () => Promise.reject(new Error('timeout')));
  let text = await scrape();
  expect(values(text, 'lattice_queue_depth', { queue: 'federation-out', role: 'client-reader' })).toEqual([5]);
  expect(values(text, 'lattice_queue_depth', { queue: 'pushers' })).toEqual([12]);
  expect(values(text, 'lattice_queue_depth')).toHaveLength(2);
  off();
  text = await scrape();
  expect(values(text, 'lattice_queue_depth', { queue: 'pushers' })).toEqual([]);
});

test('database pool gauges by state', async () => {
  const pool = { totalCount: 4, idleCount: 1, waitingCount: 2 };
  const off = metrics.registerDatabasePool('main', () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }));
  let text = await scrape();
  expect(values(text, 'lattice_db_pool_connections', { pool: 'main', state: 'total', role: 'client-reader' })).toEqual([4]);
  expect(values(text, 'lattice_db_pool_connections', { pool: 'main', state: 'idle' })).toEqual([1]);
  expect(values(text, 'lattice_db_pool_connections', { pool: 'main', state: 'waiting' })).toEqual([2]);
  off();
  text = await scrape();
  expect(values(text, 'lattice_db_pool_connections')).toEqual([]);
});

test('each process gets its own registry', async () => {
  const other = createMetrics('sync');
  try {
    other.observeHttpRequest('GET', '/x', 200, 1);
    expect(values(await other.registry.metrics(), 'lattice_http_request_duration_seconds_count', { role: 'sync', route: '/x' })).toEqual([1]);
    expect(values(await scrape(), 'lattice_http_request_duration_seconds_count')).toEqual([]);
  } finally {
    other.close();
  }
});

test('replication delays land in the histogram, in buckets fine enough for a 20 ms target', async () => {
  metrics.observeReplicationDelay(0.0004);
  metrics.observeReplicationDelay(0.018);
  metrics.observeReplicationDelay(0.3);
  const text = await scrape();
  expect(values(text, 'lattice_replication_delay_seconds_count')).toEqual([3]);
  expect(values(text, 'lattice_replication_delay_seconds_bucket', { le: '0.0005' })).toEqual([1]);
  expect(values(text, 'lattice_replication_delay_seconds_bucket', { le: '0.02' })).toEqual([2]);
  expect(values(text, 'lattice_replication_delay_seconds_bucket', { le: '0.5' })).toEqual([3]);
});
