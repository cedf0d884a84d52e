/**
 * One in-process Lattice server for tests that federate two of them: its
 * federation listener on HTTPS with a certificate from the test CA (the
 * server is named `<hostname>:<port>`; the caller's transport resolves the
 * hostname to loopback), its own database, signing key and room services,
 * and the Client-Server API on plain HTTP for the test's clients. The
 * caller's `wire` builds what serves the requests: the single process's
 * listener handler, or a hand-built app with the sender. It also builds the
 * federation transport, from its own import of the federation package (src
 * and dist types do not mix).
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Server } from 'node:net';
import { generateSigningKey, parseConfig, type HomeserverConfig, type Logger, type SigningKey } from '@lattice/core';
import { createTestDatabase, type Database } from '@lattice/storage';
import { createRoomServices, registerAccount, type ClientApiContext, type RoomServices } from '@lattice/client-api';
import { pino } from 'pino';
import type { TestCa } from './test-ca.js';
import { TEST_PASSWORD_HASHING_ENV } from '../../../../tests/support/test-password-hashing.js';

/** What `wire` builds the server from. */
export interface ServerParts {
  serverName: string;
  config: HomeserverConfig;
  db: Database;
  logger: Logger;
  signingKey: SigningKey;
  rooms: RoomServices;
  /** The context registerAccount uses; `wire` may add to it (remote memberships, devices). */
  ctx: ClientApiContext;
}

/** The request handler for both listeners, and the background work around it. */
export interface ServerWiring {
  app: http.RequestListener;
  /** Runs once both listeners are up. */
  start?(): Promise<void>;
  /** Runs before the listeners close. */
  stop?(): Promise<void>;
}

export interface FederatingTestServer extends ServerParts {
  clientUrl: string;
  createUser(localpart: string): Promise<{ userId: string; token: string }>;
  request<T = Record<string, unknown>>(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

export interface FederatingTestServerOptions {
  hostname: string;
  ca: TestCa;
  /** Extra homeserver.yaml lines. */
  yaml?: string;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

/** Starts a server; whatever `wire` returns besides its ServerWiring is passed through to the caller. */
export async function startFederatingTestServer<W extends ServerWiring>(
  kind: Database['kind'],
  options: FederatingTestServerOptions,
  wire: (parts: ServerParts) => Promise<W> | W,
): Promise<FederatingTestServer & Omit<W, keyof ServerWiring>> {
  const { cert, key } = options.ca.issue([options.hostname, '127.0.0.1']);
  const fedServer = https.createServer({ cert, key });
  const serverName = `${options.hostname}:${await listen(fedServer)}`;
  const config = parseConfig(
    `server_name: "${serverName}"
trusted_key_servers: []
federation_custom_ca_list: ["${options.ca.caPath}"]
ip_range_whitelist: ["127.0.0.1/32"]
enable_registration: true
enable_registration_without_verification: true
${options.yaml ?? ''}`,
    { env: TEST_PASSWORD_HASHING_ENV, configDir: '/tmp' },
  );
  const db = await createTestDatabase(kind);
  const logger = pino({ level: 'silent' });
  const signingKey = generateSigningKey();
  const rooms = await createRoomServices({ db, config, signingKey, instanceName: 'master', logger, flushDelayMs: 5 });
  const ctx: ClientApiContext = { config, db, logger, rooms };
  const parts: ServerParts = { serverName, config, db, logger, signingKey, rooms, ctx };
  const { app, start, stop, ...extras } = await wire(parts);
  fedServer.on('request', app);
  const clientServer = http.createServer(app);
  const clientUrl = `http://127.0.0.1:${await listen(clientServer)}`;
  await start?.();

  return {
    ...parts,
    ...extras,
    clientUrl,
    async createUser(localpart) {
      const account = await registerAccount(ctx, { localpart, password: 'pw', session: { refreshable: false } });
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
      await stop?.();
      for (const s of [fedServer, clientServer]) {
        s.closeAllConnections();
        await new Promise((r) => s.close(r));
      }
      await rooms.close();
      await db.close();
    },
  };
}
