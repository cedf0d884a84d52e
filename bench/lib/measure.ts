/** Runs fn repeatedly for about `seconds` and prints operations per second. */
export function measure(name: string, fn: () => void, seconds = 2): number {
  for (let i = 0; i < 200; i++) fn(); // warm up the JIT
  let ops = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  let elapsed = 0n;
  while (elapsed < budget) {
    for (let i = 0; i < 100; i++) fn();
    ops += 100;
    elapsed = process.hrtime.bigint() - start;
  }
  const rate = (ops * 1e9) / Number(elapsed);
  console.log(`${name.padEnd(48)} ${Math.round(rate).toLocaleString('en-US').padStart(12)} ops/s`);
  return rate;
}

/** Awaits fn `count` times sequentially and prints latency percentiles in ms. */
export async function measureLatency(name: string, fn: () => Promise<void>, count = 200): Promise<void> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  samples.sort((a, b) => a - b);
  const pct = (p: number) => samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))]!.toFixed(2);
  console.log(`${name.padEnd(48)} p50 ${pct(50)} ms  p95 ${pct(95)} ms  p99 ${pct(99)} ms  (n=${count})`);
}
