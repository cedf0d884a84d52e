/**
 * The set-up every two-server suite shares: a test CA, a loopback resolver,
 * servers on a.test and b.test started side by side before the suite, closed
 * (and the CA removed) after it.
 */
import { loopbackResolver } from './federation-server.js';
import { createTestCa, type TestCa } from './test-ca.js';

export type PairHostname = 'a.test' | 'b.test';
export type LoopbackResolver = ReturnType<typeof loopbackResolver>;

export interface ServerPairOptions<S> {
  /** Starts the server named `hostname` (for suites that give a and b different options). */
  start: (hostname: PairHostname, ca: TestCa, resolve: LoopbackResolver) => Promise<S>;
  /** Receives the running servers, before the suite's tests; the suite's own set-up may follow it. */
  started: (servers: [S, S]) => void | Promise<void>;
  /** The names that resolve; both unless a suite lets one appear later (resolve.names.add). */
  resolve?: LoopbackResolver;
}

/** Registers the suite's beforeAll/afterAll; call it inside the describe block. */
export function withServerPair<S extends { close(): Promise<void> }>(options: ServerPairOptions<S>): void {
  let ca: TestCa | undefined;
  let servers: Array<S | undefined> = [];
  beforeAll(async () => {
    ca = createTestCa();
    const resolve = options.resolve ?? loopbackResolver(['a.test', 'b.test']);
    const [a, b] = await Promise.allSettled([options.start('a.test', ca, resolve), options.start('b.test', ca, resolve)]);
    servers = [a, b].map((s) => (s.status === 'fulfilled' ? s.value : undefined));
    for (const s of [a, b]) if (s.status === 'rejected') throw s.reason;
    await options.started(servers as [S, S]);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s?.close()));
    ca?.remove();
  });
}
