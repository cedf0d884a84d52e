export { createMetrics, type Metrics, type StreamSample, type PoolSample, type HttpLabel } from './metrics.js';
export type { Reader as MetricReader } from './sampled-gauge.js';
export type { GaugeSample, SnapshotReader } from './snapshot-gauge.js';
export {
  cacheCounters,
  eventsPersisted,
  federationSent,
  federationTransactions,
  persistBatchDuration,
  persistFailures,
} from './instruments.js';
