/**
 * A gauge whose series are read from registered sources at scrape time, so
 * code that owns a value (a stream's position, a queue's length) registers a
 * reader once instead of pushing updates on every change.
 */
import { Gauge, type Registry } from 'prom-client';

export type Reader<T> = () => T | Promise<T>;

interface Source<L extends string> {
  labels: Record<L, string>;
  read: Reader<number | undefined>;
}

export class SampledGauge<L extends string> {
  private readonly sources = new Map<string, Source<L>>();
  readonly gauge: Gauge<L>;

  constructor(registry: Registry, name: string, help: string, labelNames: readonly L[]) {
    const sources = this.sources;
    this.gauge = new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        await Promise.all(
          [...sources.values()].map(async ({ labels, read }) => {
            // A failing reader loses its own sample, not the whole scrape.
            const value = await Promise.resolve().then(read).catch(() => undefined);
            if (value === undefined || !Number.isFinite(value)) this.remove(labels);
            else this.set(labels, value);
          }),
        );
      },
    });
  }

  /** Report `read()` under `labels` until the returned function is called. */
  register(labels: Record<L, string>, read: Reader<number | undefined>): () => void {
    const key = JSON.stringify(labels);
    this.sources.set(key, { labels, read });
    return () => {
      if (this.sources.get(key)?.read !== read) return;
      this.sources.delete(key);
      this.gauge.remove(labels);
    };
  }
}
