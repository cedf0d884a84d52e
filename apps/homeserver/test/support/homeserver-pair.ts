/**
 * A Lattice server exactly as the single process wires it
 * (handlerForListener), for tests that federate two of them in one jest
 * process: federation over HTTPS with certificates from the test CA (names
 * resolve to loopback through an injected resolver), the Client-Server API on
 * plain HTTP for the test's clients.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createMetrics, generateSigningKey, parseConfig, type HostResolver, type ListenerConfig } from '@lattice/core';
import { createTestDatabase, type Database } from '@lattice/storage';
import { createRoomServices, registerAccount, type RoomServices } from '@lattice/client-api';
import { createFederationTransport, type FederationTransport } from '@lattice/federation';
import { pino } from 'pino';
import type { TestCa } from '../../../../packages/federation/test/support/test-ca.js';
import { handlerForListener } from '../../src/homeserver-app.js';

export interface TestHomeserver {
  serverName: string;
  clientUrl: string;
  db: Database;
  rooms: RoomServices;
  transport: FederationTransport;
  createUser(localpart: string): Promise<{ userId: string; token: string }>;
  request<T = Record<string, unknown>>(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

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
  const { cert, key } = ca.issue([hostname, '127.0.0.1']);
  const fedServer = https.createServer({ cert, key });
  await new Promise<void>((r) => fedServer.listen(0, '127.0.0.1', r));
  const serverName = `${hostname}:${(fedServer.address() as AddressInfo).port}`;
  const config = parseConfig(
    `server_name: "${serverName}"
trusted_key_servers: []
federation_custom_ca_list: ["${ca.caPath}"]
ip_range_whitelist: ["127.0.0.1/32"]
enable_registration: true
enable_registration_without_verification: true
${yaml}`,
    { env: {}, configDir: '/tmp' },
  );
  const db = await createTestDatabase(kind);
  const logger = pino({ level: 'silent' });
  const signingKey = generateSigningKey();
  const rooms = await createRoomServices({ db, config, signingKey, instanceName: 'master', logger, flushDelayMs: 5 });
  const transport = createFederationTransport({ config, db, logger }, signingKey, { resolve });
  const app = handlerForListener({ config, db, logger, signingKey, metrics: createMetrics('homeserver'), rooms, federation: transport })(LISTENER);
  fedServer.on('request', app);
  const clientServer = http.createServer(app);
  await new Promise<void>((r) => clientServer.listen(0, '127.0.0.1', r));
  const clientUrl = `http://127.0.0.1:${(clientServer.address() as AddressInfo).port}`;
  return {
    serverName,
    clientUrl,
    db,
    rooms,
    transport,
    async createUser(localpart) {
      const account = await registerAccount(
        { config, db, logger, rooms },
        { localpart, password: 'pw', session: { refreshable: false } },
      );
      return { userId: account.user_id, token: account.access_token! };
    },
    async request<T>(method: string, path: string, token: string, body?: unknown) {
      const res = await fetch(clientUrl + path, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
    },
    async close() {
      for (const s of [fedServer, clientServer]) {
        s.closeAllConnections();
        await new Promise((r) => s.close(r));
      }
      await rooms.close();
      await db.close();
    },
  };
}
