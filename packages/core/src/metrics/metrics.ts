/**
 * One prom-client registry per process, labelled with the worker role, with
 * the metrics every role shares. Served by the role's /metrics endpoint:
 * `res.type(metrics.registry.contentType).send(await metrics.registry.metrics())`.
 */
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { registerEventLoopDelay } from './event-loop-delay.js';
import { PROCESS_INSTRUMENTS } from './instruments.js';
import { SampledGauge, type Reader } from './sampled-gauge.js';
import { snapshotGauge, type SnapshotReader } from './snapshot-gauge.js';

export type HttpLabel = 'method' | 'route' | 'status';

export interface StreamSample {
  /** The position this process has processed up to. */
  position: number;
  /** How far behind the stream's newest known position it is, in positions. */
  lag?: number;
}

export interface PoolSample {
  /** Connections open. */
  total: number;
  /** Open connections not in use. */
  idle: number;
  /** Queries waiting for a connection. */
  waiting: number;
}

export interface Metrics {
  readonly role: string;
  readonly registry: Registry;
  readonly httpRequestDuration: Histogram<HttpLabel>;
  /**
   * Record one HTTP request. `route` must be the route template
   * (/_matrix/client/v3/rooms/:roomId/send/:eventType/:txnId), never the raw path,
   * or every room id becomes a series; use "unmatched" for 404s outside any route.
   */
  observeHttpRequest(method: string, route: string, status: number, seconds: number): void;
  /**
   * Report a stream's position (and lag) at each scrape; `writer` tells writers of a
   * multi-writer stream apart. `read` is called once per gauge per scrape, so keep it cheap.
   */
  registerStreamGauges(stream: string, read: Reader<StreamSample>, writer?: string): () => void;
  /** Record the time a replication message took from its writer's publish to its receipt here. */
  observeReplicationDelay(seconds: number): void;
  /** Report a queue's depth (e.g. a BullMQ queue's waiting jobs) at each scrape. */
  registerQueueDepth(queue: string, read: Reader<number>): () => void;
  /** Report a database pool's connections (pg.Pool: totalCount, idleCount, waitingCount) at each scrape. */
  registerDatabasePool(pool: string, read: Reader<PoolSample>): () => void;
  /**
   * A gauge whose series are all read at each scrape (labels that change between
   * scrapes, e.g. the deepest few federation destinations). Once per name and process.
   */
  registerGauge<L extends string>(name: string, help: string, labelNames: readonly L[], read: SnapshotReader<L>): () => void;
  /** Stop the event-loop monitor (for tests and shutdown). */
  close(): void;
}

/** Long enough for a /sync long-poll (30 s by default) to land in a bucket of its own. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Replication delays are sub-millisecond when idle; the buckets around 20 ms tell a p99 target apart. */
const REPLICATION_DELAY_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * How often the event-loop delay is sampled (prom-client's nodejs_eventloop_lag_* and our gauge, on the same
 * tick). Each sample wakes an idle process, and a wake-up of an idle process costs 50-120 µs of CPU on a
 * small VM: measured on a bare Node process, 0.52% of a core at 10 ms, 0.37% at 20 ms, 0.20% at 50 ms. A
 * stall longer than this is always measured (to within it); a shorter one only when a sample falls in it,
 * which over a scrape interval still shows in the max and p99 that the alerts read.
 */
const EVENT_LOOP_RESOLUTION_MS = 50;

export function createMetrics(role: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ role });
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_RESOLUTION_MS });
  const stopEventLoop = registerEventLoopDelay(registry, EVENT_LOOP_RESOLUTION_MS);
  for (const metric of PROCESS_INSTRUMENTS) registry.registerMetric(metric);

  const httpRequestDuration = new Histogram<HttpLabel>({
    name: 'lattice_http_request_duration_seconds',
    help: 'HTTP request handling time, by method, route template and status code',
    labelNames: ['method', 'route', 'status'],
    buckets: HTTP_BUCKETS,
    registers: [registry],
  });

  const replicationDelay = new Histogram({
    name: 'lattice_replication_delay_seconds',
    help: 'Time from a replication message being published by its writer to its receipt by this process (same-machine clocks)',
    buckets: REPLICATION_DELAY_BUCKETS,
    registers: [registry],
  });

  const position = new SampledGauge(registry, 'lattice_stream_position', 'Stream position processed by this process', ['stream', 'writer']);
  const lag = new SampledGauge(registry, 'lattice_stream_lag', 'Positions this process is behind the stream head', ['stream', 'writer']);
  const queueDepth = new SampledGauge(registry, 'lattice_queue_depth', 'Jobs waiting in a queue', ['queue']);
  const poolGauge = new SampledGauge(
    registry,
    'lattice_db_pool_connections',
    'Database pool connections by state (total, idle) and queries waiting for one (waiting)',
    ['pool', 'state'],
  );

  return {
    role,
    registry,
    httpRequestDuration,
    observeHttpRequest(method, route, status, seconds) {
      httpRequestDuration.observe({ method, route, status: String(status) }, seconds);
    },
    observeReplicationDelay(seconds) {
      replicationDelay.observe(seconds);
    },
    registerStreamGauges(stream, read, writer = '') {
      const labels = { stream, writer };
      const offPosition = position.register(labels, async () => (await read()).position);
      const offLag = lag.register(labels, async () => (await read()).lag);
      return () => {
        offPosition();
        offLag();
      };
    },
    registerQueueDepth(queue, read) {
      return queueDepth.register({ queue }, read);
    },
    registerDatabasePool(pool, read) {
      const offs = (['total', 'idle', 'waiting'] as const).map((state) =>
        poolGauge.register({ pool, state }, async () => (await read())[state]),
      );
      return () => offs.forEach((off) => off());
    },
    registerGauge(name, help, labelNames, read) {
      snapshotGauge(registry, name, help, labelNames, read);
      return () => registry.removeSingleMetric(name);
    },
    close() {
      stopEventLoop();
    },
  };
}
