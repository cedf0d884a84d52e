/**
 * Full Lattice servers for the two-server tests: the Client-Server API and
 * /sync on plain HTTP (for the test's requests), federation over HTTPS with
 * certificates from the test CA, the real transport (keys, X-Matrix, discovery
 * through an injected loopback resolver), the rooms side of federation, remote
 * memberships wired into the client routes, and the sender.
 */
import type { HostResolver } from '@lattice/core';
import type { Database } from '@lattice/storage';
import { createClientApiApp } from '@lattice/client-api';
import { syncRouter, type SyncExtension } from '@lattice/sync';
import type { Router } from 'express';
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
import { startFederatingTestServer, type FederatingTestServer } from '../support/federating-test-server.js';
import { withServerPair } from '../support/server-pair.js';

/** What a suite adds to its servers (e.g. end-to-end encryption): routes, /sync sections, background work. */
export interface LatticeExtension {
  clientRouters?: Router[];
  federationRouters?: Router[];
  syncExtensions?: SyncExtension[];
  stop?(): Promise<void>;
}

export type ExtendLattice = (parts: { deps: FederationDeps; sender: FederationSender; fed: FederationRooms }) => Promise<LatticeExtension>;

export type Lattice = FederatingTestServer & { fed: FederationRooms; sender: FederationSender };

export async function startLattice(
  kind: Database['kind'],
  hostname: string,
  ca: TestCa,
  resolve: HostResolver,
  extend?: ExtendLattice,
  senderOptions: FederationSenderOptions = { initialBackoffMs: 100 },
): Promise<Lattice> {
  return startFederatingTestServer(kind, { hostname, ca, yaml: GENEROUS_RATE_LIMITS }, async ({ config, db, logger, signingKey, ctx }) => {
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
    return {
      app,
      fed,
      sender,
      async start() {
        await fed.processor.resume();
        await sender.start();
      },
      async stop() {
        await ext.stop?.();
        await sender.stop();
      },
    };
  });
}

/** Two plain Lattice servers for a suite; `started` receives them before the tests. */
export function withLatticePair(kind: Database['kind'], started: (servers: [Lattice, Lattice]) => void): void {
  withServerPair({ start: (hostname, ca, resolve) => startLattice(kind, hostname, ca, resolve), started });
}
