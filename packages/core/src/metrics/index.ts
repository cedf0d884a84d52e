export { createMetrics, type Metrics, type StreamSample, type PoolSample, type HttpLabel } from './metrics.js';
export type { Reader as MetricReader } from './sampled-gauge.js';
