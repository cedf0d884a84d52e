/**
 * Full Lattice servers for the two-server tests: the Client-Server API and
 * /sync on plain HTTP (for the test's requests), federation over HTTPS with
 * certificates from the test CA, the real transport (keys, X-Matrix, discovery
 * through an injected loopback resolver), the rooms side of federation, remote
 * memberships wired into the client routes, and the sender.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { generateSigningKey, parseConfig, type HostResolver } from '@lattice/core';
import { createTestDatabase, type Database } from '@lattice/storage';
import { createClientApiApp, createRoomServices, registerAccount, type ClientApiContext } from '@lattice/client-api';
import { syncRouter, type SyncExtension } from '@lattice/sync';
import type { Router } from 'express';
import { pino } from 'pino';
import {
  FederationBackfill,
  FederationHierarchy,
  FederationQueries,
  FederationSender,
  OutboundMembership,
  createFederationTransport,
  federationRoomsRouter,
  federationRouter,
  type FederationDeps,
  type FederationRooms,
  type FederationSenderOptions,
} from '../../src/index.js';
import type { TestCa } from '../support/test-ca.js';
import { GENEROUS_RATE_LIMITS } from '../support/federation-server.js';

/** What a suite adds to its servers (e.g. end-to-end encryption): routes, /sync sections, background work. */
export interface LatticeExtension {
  clientRouters?: Router[];
  federationRouters?: Router[];
  syncExtensions?: SyncExtension[];
  stop?(): Promise<void>;
}

export type ExtendLattice = (parts: { deps: FederationDeps; sender: FederationSender; fed: FederationRooms }) => Promise<LatticeExtension>;

export interface Lattice {
  serverName: string;
  ctx: ClientApiContext;
  db: Database;
  fed: FederationRooms;
  sender: FederationSender;
  clientUrl: string;
  createUser(localpart: string): Promise<{ userId: string; token: string }>;
  request<T = Record<string, unknown>>(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

export async function startLattice(
  kind: Database['kind'],
  hostname: string,
  ca: TestCa,
  resolve: HostResolver,
  extend?: ExtendLattice,
  senderOptions: FederationSenderOptions = { initialBackoffMs: 100 },
): Promise<Lattice> {
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
${GENEROUS_RATE_LIMITS}
`,
    { env: {}, configDir: '/tmp' },
  );
  const db = await createTestDatabase(kind);
  const logger = pino({ level: 'silent' });
  const signingKey = generateSigningKey();
  const rooms = await createRoomServices({ db, config, signingKey, instanceName: 'master', logger, flushDelayMs: 5 });
  const ctx: ClientApiContext = { config, db, logger, rooms };
  const transport = createFederationTransport({ config, db, logger }, signingKey, { resolve });
  const deps = { ...transport, ctx };
  const sender = new FederationSender(deps, senderOptions);
  const fed = federationRoomsRouter(deps, { forward: (event, origin) => sender.forward(event, origin) });
  ctx.remoteMembership = new OutboundMembership(deps);
  ctx.remoteBackfill = new FederationBackfill(deps);
  ctx.remoteQueries = new FederationQueries(transport.client);
  ctx.remoteHierarchy = new FederationHierarchy(transport.client);
  const ext = (await extend?.({ deps, sender, fed })) ?? {};
  const app = createClientApiApp(ctx, {
    routers: [
      federationRouter(deps, [fed.router, ...(ext.federationRouters ?? [])]),
      syncRouter(ctx, { extensions: ext.syncExtensions ?? [] }),
      ...(ext.clientRouters ?? []),
    ],
  });
  fedServer.on('request', app);
  const clientServer = http.createServer(app);
  await new Promise<void>((r) => clientServer.listen(0, '127.0.0.1', r));
  const clientUrl = `http://127.0.0.1:${(clientServer.address() as AddressInfo).port}`;
  await fed.processor.resume();
  await sender.start();

  return {
    serverName,
    ctx,
    db,
    fed,
    sender,
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
      await ext.stop?.();
      await sender.stop();
      for (const s of [fedServer, clientServer]) {
        s.closeAllConnections();
        await new Promise((r) => s.close(r));
      }
      await rooms.close();
      await db.close();
    },
  };
}
