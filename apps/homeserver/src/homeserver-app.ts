import type { RequestListener } from 'node:http';
import type { HomeserverConfig, ListenerConfig, Logger, Metrics, SigningKey } from '@lattice/core';
import type { Database } from '@lattice/storage';
import { DeviceListeners, MemoryRateLimiter, apiApp, createClientApiApp, type ClientApiContext, type RoomServices } from '@lattice/client-api';
import { federationMediaRouter } from '@lattice/media';
import { installAppserviceAuth, startAppserviceSender } from '@lattice/appservice';
import { startAdminJobRunner, startRetentionPurges } from '@lattice/admin';
import { clientFeatures, httpMetrics, operationsRouter } from '@lattice/worker-runtime';
import {
  BackingOffOrigins,
  EphemeralEduSenders,
  FederationBackfill,
  FederationHierarchy,
  FederationQueries,
  FederationSender,
  OutboundMembership,
  createFederationApp,
  createE2eeFederation,
  createFederationTransport,
  federationRoomsRouter,
  registerEphemeralEduHandlers,
  federationRouter,
  type FederationTransport,
} from '@lattice/federation';

export interface HomeserverContext {
  config: HomeserverConfig;
  db: Database;
  logger: Logger;
  signingKey: SigningKey;
  metrics: Metrics;
  rooms: RoomServices;
  /** Keys, signed requests, discovery; built here when the caller did not. */
  federation?: FederationTransport;
}

/**
 * Every role in one process: which handlers a listener serves follows its
 * `type` and `resources`, as in Synapse's listener configuration.
 */
export function handlerForListener(ctx: HomeserverContext): (listener: ListenerConfig) => RequestListener {
  const clientCtx: ClientApiContext = {
    config: ctx.config,
    db: ctx.db,
    logger: ctx.logger,
    rooms: ctx.rooms,
    devices: new DeviceListeners(),
    // One process: its buckets in memory (the worker split shares them through Redis).
    rateLimiter: new MemoryRateLimiter(),
  };
  installAppserviceAuth(clientCtx);
  const federation = ctx.federation ?? createFederationTransport(ctx, ctx.signingKey);
  const federationDeps = { ...federation, ctx: clientCtx };
  const federationSender = new FederationSender(federationDeps);
  // Typing, receipts and presence to other servers (presence straight from this process's presence writer).
  const ephemeralEdus = new EphemeralEduSenders(clientCtx, federationSender);
  ephemeralEdus.start();
  // End-to-end encryption with other servers' users: keys, device lists, to-device messages.
  const e2eeFederation = createE2eeFederation(federationDeps, federationSender);
  // One process writes every stream and sends every push.
  const { media, presence, routers } = clientFeatures(clientCtx, {
    runsPresenceTimers: true,
    sendsPushes: true,
    remoteMedia: federation.media,
    presenceOutbound: ephemeralEdus.presence,
    remoteKeys: e2eeFederation.remoteKeys,
  });
  // Rooms over federation: inbound PDUs (staged work resumed), the read and membership endpoints,
  // local users' remote joins and invites, and the sender of local events to other servers.
  const federationRooms = federationRoomsRouter(federationDeps, { forward: (event, origin) => federationSender.forward(event, origin) });
  registerEphemeralEduHandlers(federationRooms.edus, clientCtx);
  e2eeFederation.registerEdus(federationRooms.edus);
  clientCtx.remoteMembership = new OutboundMembership(federationDeps);
  // Older history of rooms joined over federation (needs this process's persister).
  clientCtx.remoteBackfill = new FederationBackfill(federationDeps);
  clientCtx.remoteQueries = new FederationQueries(federation.client);
  clientCtx.remoteHierarchy = new FederationHierarchy(federation.client);
  federationRooms.processor.resume().catch((err: unknown) => ctx.logger.error({ err }, 'resuming staged federation PDUs failed'));
  federationSender.start().catch((err: unknown) => ctx.logger.error({ err }, 'federation sender failed to start'));
  startAppserviceSender(clientCtx).catch((err: unknown) => ctx.logger.error({ err }, 'appservice sender failed to start'));
  // Message retention purges (retention.enabled): in one process only.
  startRetentionPurges(clientCtx);
  // Admin purges and room deletions interrupted by a restart run again to completion.
  startAdminJobRunner(clientCtx);
  e2eeFederation.start().catch((err: unknown) => ctx.logger.error({ err }, 'device list sender failed to start'));
  // This server's media for other servers: behind the federation router's own X-Matrix check.
  // A server backing off that talks to us is up: the sender retries it now.
  const backingOff = new BackingOffOrigins(ctx.db, (destination) => federationSender.wake(destination), ctx.logger);
  const federationRoutes = federationRouter(
    federationDeps,
    [federationRooms.router, e2eeFederation.router, federationMediaRouter(clientCtx, media, [])],
    { heardFrom: (origin) => backingOff.heardFrom(origin) },
  );
  return (listener) => {
    if (listener.type === 'metrics') return apiApp({ leading: [operationsRouter(ctx.db, ctx.metrics)] });
    const options = { trustProxy: listener.x_forwarded, leading: [httpMetrics(ctx.metrics), operationsRouter(ctx.db, undefined)] };
    const names = new Set(listener.resources.flatMap((r) => r.names));
    const servesFederation = names.has('federation') || names.has('keys');
    if (servesFederation && !names.has('client')) {
      // A federation listener (e.g. TLS on 8448): /_matrix/federation and /_matrix/key only.
      return createFederationApp(ctx.logger, [presence.federationRouter, federationRoutes], options);
    }
    const listenerRouters = servesFederation ? [...routers, presence.federationRouter, federationRoutes] : routers;
    return createClientApiApp(clientCtx, { ...options, routers: listenerRouters });
  };
}
