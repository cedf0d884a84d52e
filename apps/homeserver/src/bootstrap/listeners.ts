import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { RequestListener } from 'node:http';
import type { HomeserverConfig, ListenerConfig } from '@lattice/core';
import type { Logger } from 'pino';

export interface BoundListener {
  server: http.Server;
  url: string;
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
      const server = listener.tls ? https.createServer(tlsOptions(config), handler) : http.createServer(handler);
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
      bound.push({ server, url });
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
