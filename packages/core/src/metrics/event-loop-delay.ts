/**
 * Event-loop delay as a gauge: how long ready callbacks waited, the first
 * sign a process is CPU-bound. Each scrape reports the window since the last.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';

const STATS = { p50: 50, p90: 90, p99: 99 } as const;
const NS_PER_SECOND = 1e9;

/** Starts sampling; call the returned function to stop. */
export function registerEventLoopDelay(registry: Registry, resolutionMs = 10): () => void {
  const histogram = monitorEventLoopDelay({ resolution: resolutionMs });
  histogram.enable();
  new Gauge({
    name: 'lattice_event_loop_delay_seconds',
    help: 'Event-loop delay over the last scrape interval, by statistic (p50, p90, p99, max, mean)',
    labelNames: ['stat'],
    registers: [registry],
    collect() {
      if (histogram.count === 0) return;
      for (const [stat, pct] of Object.entries(STATS)) this.set({ stat }, histogram.percentile(pct) / NS_PER_SECOND);
      this.set({ stat: 'max' }, histogram.max / NS_PER_SECOND);
      this.set({ stat: 'mean' }, histogram.mean / NS_PER_SECOND);
      histogram.reset();
    },
  });
  return () => histogram.disable();
}
