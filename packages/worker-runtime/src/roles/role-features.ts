/**
 * What each role runs besides replication (ARCHITECTURE.md §2): the features
 * of the single process (apps/homeserver/src/homeserver-app.ts), split by
 * role. Client-facing roles mount the same client handlers; nginx decides
 * which paths reach which role, so a replica answering a path meant for
 * another role still answers it correctly (as Synapse's generic workers do).
 * Background work runs where it belongs: presence timers on presence
 * writers, the push fan-out next to the local persister, push sending on the
 * federation sender.
 */
import type { Express } from 'express';
import { DeviceListeners, createClientApiApp, type ClientApiContext } from '@lattice/client-api';
import type { SigningKey, WorkerRole } from '@lattice/core';
import { FederationHierarchy, FederationQueries, createFederationApp, createFederationTransport, federationRouter } from '@lattice/federation';
import { createPresenceFeatures } from '@lattice/presence';
import { createPushModule, type PushModule } from '@lattice/push';
import { MediaRepository, federationMediaRouter } from '@lattice/media';
import { clientFeatures } from './client-features.js';

export interface RoleFeatures {
  /** The app of the role's public listener; absent for roles without public traffic. */
  publicApp?: (trustProxy: boolean) => Express;
  close(): Promise<void>;
}

export function roleFeatures(role: WorkerRole, base: ClientApiContext, signingKey: SigningKey): RoleFeatures {
  const ctx: ClientApiContext = { ...base, devices: new DeviceListeners() };
  switch (role) {
    case 'event-persister':
      // Notifications are evaluated as this persister's events commit; the federation sender sends them.
      return closing(createPushModule(ctx, { sendPushes: false }));
    case 'federation-sender':
      return closing(createPushModule(ctx, { sendPushes: true }));
    case 'federation-inbound': {
      const presence = createPresenceFeatures(ctx);
      // This server's media for other servers, behind the federation router's X-Matrix check.
      const media = federationMediaRouter(ctx, MediaRepository.fromConfig(ctx.db, ctx.config), []);
      const routes = federationRouter({ ...createFederationTransport(ctx, signingKey), ctx }, [media]);
      return {
        publicApp: (trustProxy) => createFederationApp(ctx.logger, [presence.federationRouter, routes], { trustProxy }),
        close: async () => presence.stop(),
      };
    }
    case 'client-reader':
    case 'sync':
    case 'media':
    case 'homeserver':
      return clientFacing(ctx, signingKey);
  }
}

function clientFacing(ctx: ClientApiContext, signingKey: SigningKey): RoleFeatures {
  const federation = createFederationTransport(ctx, signingKey);
  ctx.remoteQueries = new FederationQueries(federation.client);
  ctx.remoteHierarchy = new FederationHierarchy(federation.client);
  const features = clientFeatures(ctx, {
    // Presence timers write the presence stream: only its writers run them.
    runsPresenceTimers: ctx.rooms.hub.writes('presence'),
    // Pushes leave from the federation sender.
    sendsPushes: false,
    remoteMedia: federation.media,
  });
  return {
    publicApp: (trustProxy) => createClientApiApp(ctx, { trustProxy, routers: features.routers }),
    close: () => features.close(),
  };
}

function closing(push: PushModule): RoleFeatures {
  return { close: () => push.close() };
}
