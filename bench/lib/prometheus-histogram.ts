/**
 * Reads one histogram off processes' /metrics pages, so a benchmark can take
 * quantiles of what the server itself observed during a window: the difference
 * of two scrapes, summed over processes, interpolated within a bucket as
 * Prometheus' histogram_quantile does.
 */
import http from 'node:http';

/** Cumulative counts per upper bound (seconds; Infinity for +Inf), in bound order. */
export type Buckets = Array<[number, number]>;

export async function scrapeHistogram(metricsUrl: string, name: string): Promise<Buckets> {
  const text = await new Promise<string>((resolve, reject) => {
    http
      .get(metricsUrl, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', reject);
      })
      .on('error', reject);
  });
  const counts = new Map<number, number>();
  const prefix = `${name}_bucket{`;
  for (const line of text.split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    if (le === undefined) continue;
    const bound = le === '+Inf' ? Infinity : Number(le);
    counts.set(bound, (counts.get(bound) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return [...counts].sort((a, b) => a[0] - b[0]);
}

/** after − before, bucket by bucket; several processes' differences add up. */
export function bucketDelta(before: Buckets, after: Buckets): Buckets {
  const was = new Map(before);
  return after.map(([bound, count]) => [bound, count - (was.get(bound) ?? 0)]);
}

export function sumBuckets(all: Buckets[]): Buckets {
  const total = new Map<number, number>();
  for (const buckets of all) for (const [bound, count] of buckets) total.set(bound, (total.get(bound) ?? 0) + count);
  return [...total].sort((a, b) => a[0] - b[0]);
}

/** The q-quantile (0..1) in seconds; the last finite bound when it falls in +Inf; NaN with no observations. */
export function quantile(buckets: Buckets, q: number): number {
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total === 0) return NaN;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [bound, count] of buckets) {
    if (count >= rank) {
      if (bound === Infinity) return lowerBound;
      return lowerBound + ((bound - lowerBound) * (rank - lowerCount)) / Math.max(1, count - lowerCount);
    }
    lowerBound = bound;
    lowerCount = count;
  }
  return lowerBound;
}

export function observations(buckets: Buckets): number {
  return buckets.at(-1)?.[1] ?? 0;
}
