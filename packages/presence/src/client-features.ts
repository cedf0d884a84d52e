/**
 * Presence, TURN credentials and OpenID as the homeserver mounts them: one
 * presence writer per process, its /sync extension, the Client-Server routes
 * (under r0/v3), and the federation OpenID route. Call start() once the
 * process serves, stop() on shutdown.
 */
import { CLIENT_API_PREFIXES, rawBody, type ClientApiContext } from '@lattice/client-api';
import { Router } from 'express';
import { openIdRouter } from './openid/openid-router.js';
import { openIdUserInfoRouter } from './openid/openid-userinfo-router.js';
import type { PresenceOutbound } from './presence/presence-outbound.js';
import type { PresenceWriterLink } from './presence/presence-writer-link.js';
import { presenceRouter } from './presence/presence-router.js';
import { PresenceService } from './presence/presence-service.js';
import { PresenceSyncExtension } from './presence/presence-sync-extension.js';
import { voipRouter } from './voip/voip-router.js';

export interface PresenceFeaturesOptions {
  /** Milliseconds since the epoch (tests move it to fire the presence timers). */
  now?: () => number;
  /** Receives local presence changes for m.presence EDUs (the federation sender). */
  outbound?: PresenceOutbound;
  sweepIntervalMs?: number;
  /** The worker split: the presence writer owning each user (PresenceServiceOptions.link). */
  link?: PresenceWriterLink;
}

export interface PresenceFeatures {
  presence: PresenceService;
  syncExtension: PresenceSyncExtension;
  /** /presence, /voip/turnServer, /user/{userId}/openid/request_token under CLIENT_API_PREFIXES. */
  clientRouter: Router;
  /** /_matrix/federation/v1/openid/userinfo. */
  federationRouter: Router;
  start(): Promise<void>;
  stop(): void;
}

export function createPresenceFeatures(ctx: ClientApiContext, options: PresenceFeaturesOptions = {}): PresenceFeatures {
  const now = options.now ?? Date.now;
  const presence = new PresenceService(ctx, {
    enabled: ctx.config.presence.enabled,
    now,
    outbound: options.outbound,
    sweepIntervalMs: options.sweepIntervalMs,
    link: options.link,
  });
  const versioned = Router();
  versioned.use(rawBody(ctx.config.max_request_body_size));
  versioned.use(presenceRouter(ctx, presence, now), voipRouter(ctx, now), openIdRouter(ctx, now));
  const clientRouter = Router();
  clientRouter.use(CLIENT_API_PREFIXES, versioned);
  return {
    presence,
    syncExtension: new PresenceSyncExtension(ctx.db, presence, ctx.logger, now),
    clientRouter,
    federationRouter: openIdUserInfoRouter(ctx.db, now),
    start: () => presence.start(),
    stop: () => presence.stop(),
  };
}
