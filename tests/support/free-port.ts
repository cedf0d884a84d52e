import { createServer } from 'node:net';

/**
 * Below Linux's ephemeral range (32768 up), where a port found free stays free
 * until the test binds it: a port the kernel picks (listen(0)) can be handed
 * to another test's outgoing connection in between (EADDRINUSE seen in CI).
 * Clusters (tests/cluster/support) lay out their ranges from 20000 up.
 */
const LOW = 10_000;
const HIGH = 20_000;

/** Nothing is bound to the loopback port right now (a listen on it succeeds). */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Ports this process has handed out: two asks in one test file never get the same one. */
const handedOut = new Set<number>();

/** A loopback port free right now (for listeners whose port must be known before the server starts, e.g. TLS server names). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (handedOut.has(port)) continue;
    if (await portFree(port)) {
      handedOut.add(port);
      return port;
    }
  }
}
