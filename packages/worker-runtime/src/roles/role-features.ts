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
import type { Express, Router } from 'express';
import { DeviceListeners, createClientApiApp, type ClientApiContext } from '@lattice/client-api';
import type { SigningKey, WorkerRole } from '@lattice/core';
import { createE2ee } from '@lattice/e2ee';
import { createFederationApp, createFederationTransport, federationRouter } from '@lattice/federation';
import { MediaRepository, mediaRouter, previewRouter } from '@lattice/media';
import { createPresenceFeatures } from '@lattice/presence';
import { createPushModule, type PushModule } from '@lattice/push';
import { syncRouter } from '@lattice/sync';

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
      const routes = federationRouter({ ...createFederationTransport(ctx, signingKey), ctx });
      return {
        publicApp: (trustProxy) => createFederationApp(ctx.logger, [presence.federationRouter, routes], { trustProxy }),
        close: async () => presence.stop(),
      };
    }
    case 'client-reader':
    case 'sync':
    case 'media':
    case 'homeserver':
      return clientFacing(ctx);
  }
}

function clientFacing(ctx: ClientApiContext): RoleFeatures {
  const media = MediaRepository.fromConfig(ctx.db, ctx.config);
  const presence = createPresenceFeatures(ctx);
  // Presence timers write the presence stream: only its writers run them.
  const writesPresence = ctx.rooms.hub.writes('presence');
  if (writesPresence) presence.start().catch((err: unknown) => ctx.logger.error({ err }, 'presence failed to start'));
  const e2ee = createE2ee(ctx);
  const push = createPushModule(ctx, { sendPushes: false });
  const routers: Router[] = [
    syncRouter(ctx, { extensions: [presence.syncExtension, e2ee.syncExtension, push.syncExtension] }),
    push.router,
    e2ee.router,
    mediaRouter(ctx, media),
    previewRouter(ctx, { media }),
    presence.clientRouter,
  ];
  return {
    publicApp: (trustProxy) => createClientApiApp(ctx, { trustProxy, routers }),
    close: async () => {
      if (writesPresence) presence.stop();
      await push.close();
    },
  };
}

function closing(push: PushModule): RoleFeatures {
  return { close: () => push.close() };
}
