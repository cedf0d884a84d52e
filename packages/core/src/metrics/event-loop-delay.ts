/**
 * Event-loop delay as a gauge: how long ready callbacks waited, the first
 * sign a process is CPU-bound. Each scrape reports the window since the last.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';

const STATS = { p50: 50, p90: 90, p99: 99 } as const;
const NS_PER_MS = 1e6;
const NS_PER_SECOND = 1e9;

/** What the gauge reads of its monitor (node:perf_hooks' IntervalHistogram). */
export type DelayMonitor = Pick<IntervalHistogram, 'enable' | 'disable' | 'reset' | 'percentile' | 'count' | 'max' | 'mean'>;

/**
 * Starts sampling; call the returned function to stop. Node's monitor records
 * the time between its own timer's runs, its resolution included (an idle
 * process reads 50 ms at a 50 ms resolution, a 200 ms stall 250 ms): the gauge
 * reports what is left once the resolution is taken off, the delay itself.
 */
export function registerEventLoopDelay(
  registry: Registry,
  resolutionMs = 10,
  monitor: DelayMonitor = monitorEventLoopDelay({ resolution: resolutionMs }),
): () => void {
  const resolutionNs = resolutionMs * NS_PER_MS;
  const seconds = (intervalNs: number): number => Math.max(0, intervalNs - resolutionNs) / NS_PER_SECOND;
  monitor.enable();
  new Gauge({
    name: 'lattice_event_loop_delay_seconds',
    help: 'Event-loop delay over the last scrape interval, by statistic (p50, p90, p99, max, mean)',
    labelNames: ['stat'],
    registers: [registry],
    collect() {
      if (monitor.count === 0) return;
      for (const [stat, pct] of Object.entries(STATS)) this.set({ stat }, seconds(monitor.percentile(pct)));
      this.set({ stat: 'max' }, seconds(monitor.max));
      this.set({ stat: 'mean' }, seconds(monitor.mean));
      monitor.reset();
    },
  });
  return () => monitor.disable();
}
