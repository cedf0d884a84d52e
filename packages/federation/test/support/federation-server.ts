/**
 * A real Lattice homeserver app serving the Client-Server API and federation
 * over HTTPS on loopback, with its own database and signing key. Its server
 * name is `<hostname>:<port>` (discovery step 2: explicit port), the hostname
 * resolving to 127.0.0.1 through an injected resolver, so two or more of these
 * federate with real TLS, certificates checked against the test CA.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { generateSigningKey, parseConfig, type HostResolver, type SigningKey } from '@lattice/core';
import { createTestDatabase, type Database } from '@lattice/storage';
import { createClientApiApp, createRoomServices, registerAccount, type ClientApiContext } from '@lattice/client-api';
import { Router } from 'express';
import { pino } from 'pino';
import { createFederationTransport, federationRouter, type FederationTransport } from '../../src/index.js';
import type { TestCa } from './test-ca.js';
import { TEST_PASSWORD_HASHING_ENV } from '../../../../tests/support/test-password-hashing.js';

export type DbKind = 'postgres' | 'pglite';
export const DB_KINDS: DbKind[] = ['pglite', 'postgres'];

/** Every name in `names` resolves to 127.0.0.1; anything else does not resolve. */
export function loopbackResolver(names: Iterable<string>): HostResolver & { names: Set<string> } {
  const known = new Set(names);
  const resolve = async (host: string) => {
    if (!known.has(host)) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return [{ address: '127.0.0.1', family: 4 as const }];
  };
  return Object.assign(resolve, { names: known });
}

export interface FederationTestServer {
  serverName: string;
  port: number;
  ctx: ClientApiContext;
  db: Database;
  signingKey: SigningKey;
  transport: FederationTransport;
  /** Paths of the requests this server received, in order. */
  requests: string[];
  /** TLS connections accepted so far. */
  readonly tlsConnections: number;
  createUser(localpart: string, displayname?: string): Promise<string>;
  close(): Promise<void>;
}

export interface FederationServerOptions {
  hostname: string;
  ca: TestCa;
  resolve: HostResolver;
  /** Extra homeserver.yaml lines. */
  yaml?: string;
  signingKey?: SigningKey;
}

/** Suites join, invite and send in bursts (limits are tested in client-api and federation's rate-limit tests). */
const GENEROUS = '{ per_second: 1000, burst_count: 1000 }';
export const GENEROUS_RATE_LIMITS = `rc_message: ${GENEROUS}
rc_joins: { local: ${GENEROUS}, remote: ${GENEROUS} }
rc_joins_per_room: ${GENEROUS}
rc_invites: { per_room: ${GENEROUS}, per_user: ${GENEROUS}, per_issuer: ${GENEROUS} }
rc_room_creation: ${GENEROUS}
rc_federation: { sleep_limit: 10000, reject_limit: 10000, concurrent: 100 }`;

export async function startFederationServer(kind: DbKind, options: FederationServerOptions): Promise<FederationTestServer> {
  const { cert, key } = options.ca.issue([options.hostname, '127.0.0.1']);
  const server = https.createServer({ cert, key });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const serverName = `${options.hostname}:${port}`;
  const config = parseConfig(
    `server_name: "${serverName}"
trusted_key_servers: []
federation_custom_ca_list: ["${options.ca.caPath}"]
ip_range_whitelist: ["127.0.0.1/32"]
${GENEROUS_RATE_LIMITS}
${options.yaml ?? ''}`,
    { env: TEST_PASSWORD_HASHING_ENV, configDir: '/tmp' },
  );
  const db = await createTestDatabase(kind);
  const logger = pino({ level: 'silent' });
  const signingKey = options.signingKey ?? generateSigningKey();
  const rooms = await createRoomServices({ db, config, signingKey, instanceName: 'master', logger, flushDelayMs: 5 });
  const ctx: ClientApiContext = { config, db, logger, rooms };
  const transport = createFederationTransport({ config, db, logger }, signingKey, { resolve: options.resolve });
  const requests: string[] = [];
  let tlsConnections = 0;
  server.on('secureConnection', () => tlsConnections++);
  const recorder = Router();
  recorder.use((req, _res, next) => {
    requests.push(req.path);
    next();
  });
  server.on('request', createClientApiApp(ctx, { routers: [recorder, federationRouter({ ...transport, ctx })] }));

  return {
    serverName,
    port,
    ctx,
    db,
    signingKey,
    transport,
    requests,
    get tlsConnections() {
      return tlsConnections;
    },
    async createUser(localpart, displayname) {
      const account = await registerAccount(ctx, { localpart, password: 'pw', displayname: displayname ?? null, session: { refreshable: false } });
      return account.user_id;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await rooms.close();
      await db.close();
    },
  };
}
