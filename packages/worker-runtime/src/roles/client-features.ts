/**
 * The Client-Server API features every client-facing process mounts beside the
 * client API (the single process and the client-reader, sync and media roles
 * alike): /sync with the sections other packages own, push, end-to-end
 * encryption, media and URL previews, presence, VoIP and OpenID, and the
 * admin API.
 */
import type { Router } from 'express';
import type { ClientApiContext } from '@lattice/client-api';
import { adminRouter } from '@lattice/admin';
import { appserviceRouter } from '@lattice/appservice';
import { createE2ee, type RemoteKeysClient } from '@lattice/e2ee';
import { MediaRepository, mediaRouter, previewRouter, type RemoteMediaTransport } from '@lattice/media';
import { createPresenceFeatures, type PresenceFeatures, type PresenceOutbound, type PresenceWriterLink } from '@lattice/presence';
import { createPushModule } from '@lattice/push';
import { syncRouter } from '@lattice/sync';

export interface ClientFeaturesOptions {
  /** This process writes the presence stream: it runs presence's timers. */
  runsPresenceTimers: boolean;
  /** This process sends pushes to push gateways (the single process; the federation sender in a split). */
  sendsPushes: boolean;
  /** How media of other servers is fetched; without it only local media is served. */
  remoteMedia?: RemoteMediaTransport;
  /** Where this process's presence changes go to other servers (m.presence EDUs); only where the sender runs alongside. */
  presenceOutbound?: PresenceOutbound;
  /** Keys and to-device messages of other servers' users (federation); without it they are reported unreachable. */
  remoteKeys?: RemoteKeysClient;
  /** The worker split: the presence writer owning each user, where presence changes of users this process does not keep go. */
  presenceLink?: PresenceWriterLink;
}

export interface ClientFeatures {
  /** Mounted after the client API router, in this order. */
  routers: Router[];
  media: MediaRepository;
  presence: PresenceFeatures;
  close(): Promise<void>;
}

export function clientFeatures(ctx: ClientApiContext, options: ClientFeaturesOptions): ClientFeatures {
  // Built once per process: these hold per-process state (sync caches, media upload waiters, presence timers).
  const media = MediaRepository.fromConfig(ctx.db, ctx.config);
  const presence = createPresenceFeatures(ctx, { outbound: options.presenceOutbound, link: options.presenceLink });
  if (options.runsPresenceTimers) presence.start().catch((err: unknown) => ctx.logger.error({ err }, 'presence failed to start'));
  const e2ee = createE2ee(ctx, { remote: options.remoteKeys });
  const push = createPushModule(ctx, { sendPushes: options.sendsPushes });
  const routers: Router[] = [
    syncRouter(ctx, { extensions: [presence.syncExtension, e2ee.syncExtension, push.syncExtension] }),
    push.router,
    e2ee.router,
    mediaRouter(ctx, media, { remote: options.remoteMedia }),
    previewRouter(ctx, { media }),
    presence.clientRouter,
    adminRouter(ctx),
    appserviceRouter(ctx),
  ];
  return {
    routers,
    media,
    presence,
    close: async () => {
      if (options.runsPresenceTimers) presence.stop();
      options.presenceLink?.close?.();
      await push.close();
    },
  };
}
