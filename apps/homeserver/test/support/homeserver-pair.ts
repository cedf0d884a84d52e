/**
 * A Lattice server exactly as the single process wires it
 * (handlerForListener), for tests that federate two of them in one jest
 * process (see federating-test-server.ts for the listeners around it).
 */
import { createMetrics, type HostResolver, type ListenerConfig } from '@lattice/core';
import type { Database } from '@lattice/storage';
import { createFederationTransport, type FederationTransport } from '@lattice/federation';
import {
  startFederatingTestServer,
  type FederatingTestServer,
} from '../../../../packages/federation/test/support/federating-test-server.js';
import type { TestCa } from '../../../../packages/federation/test/support/test-ca.js';
import { handlerForListener } from '../../src/homeserver-app.js';

export type TestHomeserver = FederatingTestServer & { transport: FederationTransport };

const LISTENER: ListenerConfig = {
  port: 0,
  bind_addresses: ['127.0.0.1'],
  type: 'http',
  tls: false,
  x_forwarded: false,
  resources: [{ names: ['client', 'federation'], compress: false }],
};

export async function startTestHomeserver(
  kind: Database['kind'],
  hostname: string,
  ca: TestCa,
  resolve: HostResolver,
  yaml = '',
): Promise<TestHomeserver> {
  return startFederatingTestServer(kind, { hostname, ca, yaml }, ({ config, db, logger, signingKey, rooms }) => {
    const transport = createFederationTransport({ config, db, logger }, signingKey, { resolve });
    const metrics = createMetrics('homeserver');
    return { app: handlerForListener({ config, db, logger, signingKey, metrics, rooms, federation: transport })(LISTENER), transport };
  });
}
