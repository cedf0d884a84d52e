import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import type { RequestListener } from 'node:http';
import { serverClassesFor } from '@lattice/client-api';
import type { HomeserverConfig, ListenerConfig } from '@lattice/core';
import type { Logger } from 'pino';

export interface BoundListener {
  server: http.Server;
  url: string;
  /** Set when this is a '::' socket that also accepts IPv4 on this port. */
  dualStackPort?: number | undefined;
}

/** Node binds '::' dual-stack unless the OS forbids it (net.ipv6.bindv6only). */
function isDualStack(server: http.Server): boolean {
  return (server.address() as AddressInfo).family === 'IPv6';
}

/** Starts one HTTP(S) server per listener and bind address; resolves once all are listening. */
export async function startListeners(
  config: HomeserverConfig,
  handlerFor: (listener: ListenerConfig) => RequestListener,
  log: Pick<Logger, 'info'>,
): Promise<BoundListener[]> {
  const bound: BoundListener[] = [];
  for (const listener of config.listeners) {
    const handler = handlerFor(listener);
    for (const address of listener.bind_addresses) {
      // Synapse's default ['::', '0.0.0.0']: on a dual-stack host '::' already covers IPv4.
      if (address === '0.0.0.0' && listener.bind_addresses.includes('::') && bound.some((b) => b.dualStackPort === listener.port)) continue;
      // An API app's requests are constructed with its prototypes (app-born-requests.ts).
      const classes = serverClassesFor(handler);
      const server = listener.tls ? https.createServer({ ...tlsOptions(config), ...classes }, handler) : http.createServer(classes, handler);
      // Long-polling /sync holds requests open; keep-alive must outlast typical client timeouts.
      server.keepAliveTimeout = 75_000;
      server.headersTimeout = 80_000;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(listener.port, address, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const { port } = server.address() as AddressInfo;
      const host = address.includes(':') ? `[${address}]` : address;
      const url = `${listener.tls ? 'https' : 'http'}://${host}:${port}`;
      log.info({ url, type: listener.type, resources: listener.resources.flatMap((r) => r.names) }, 'listening');
      const ipv6Only = address === '::' && net.isIPv6(address) && !isDualStack(server);
      bound.push({ server, url, dualStackPort: address === '::' && !ipv6Only ? listener.port : undefined });
    }
  }
  return bound;
}

function tlsOptions(config: HomeserverConfig): https.ServerOptions {
  if (!config.tls_certificate_path || !config.tls_private_key_path) {
    throw new Error('A listener has tls: true but tls_certificate_path / tls_private_key_path are not set');
  }
  return { cert: readFileSync(config.tls_certificate_path), key: readFileSync(config.tls_private_key_path) };
}

export async function closeListeners(bound: BoundListener[]): Promise<void> {
  await Promise.all(
    bound.map(
      ({ server }) =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        }),
    ),
  );
}
