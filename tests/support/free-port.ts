import { createServer, type AddressInfo } from 'node:net';

/** A loopback port free right now (for listeners whose port must be known before the server starts, e.g. TLS server names). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
