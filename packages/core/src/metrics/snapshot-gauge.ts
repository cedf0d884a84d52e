/**
 * A gauge whose whole set of series is read at scrape time, for values whose
 * labels change between scrapes (the few deepest federation destinations):
 * series missing from a reading disappear instead of keeping their last value.
 */
import { Gauge, type Registry } from 'prom-client';

export interface GaugeSample<L extends string> {
  labels?: Partial<Record<L, string>>;
  value: number;
}

export type SnapshotReader<L extends string> = () => Promise<ReadonlyArray<GaugeSample<L>>>;

export function snapshotGauge<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  read: SnapshotReader<L>,
): Gauge<L> {
  return new Gauge<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    async collect() {
      // A failing reader loses this gauge's samples, not the whole scrape.
      const samples = await read().catch(() => []);
      this.reset();
      for (const { labels, value } of samples) if (Number.isFinite(value)) this.set(labels ?? {}, value);
    },
  });
}
