/**
 * The routes of @lattice/sync under the client API prefixes: /sync, filters,
 * account data, tags, typing, receipts and read markers. Mounted beside the
 * client API router (apps/homeserver; the sync worker role later).
 */
import { CLIENT_API_PREFIXES, peekEventsRouter, rawBody, type ClientApiContext } from '@lattice/client-api';
import { Router } from 'express';
import { accountDataRouter } from './routes/account-data.js';
import { filterRouter } from './routes/filter.js';
import { receiptsRouter } from './routes/receipts.js';
import { syncEndpointRouter } from './routes/sync.js';
import { tagsRouter } from './routes/tags.js';
import { typingRouter } from './routes/typing.js';
import { createSyncServices } from './services.js';
import type { SyncExtension } from './sync/extensions.js';

export interface SyncRouterOptions {
  /** Top-level sections other packages add to /sync (end-to-end encryption, presence). */
  extensions?: readonly SyncExtension[];
}

export function syncRouter(ctx: ClientApiContext, options: SyncRouterOptions = {}): Router {
  const services = createSyncServices(ctx);
  const versioned = Router();
  versioned.use(rawBody(ctx.config.max_request_body_size));
  versioned.use(
    syncEndpointRouter(ctx, services, options.extensions ?? []),
    filterRouter(ctx),
    accountDataRouter(ctx, services),
    tagsRouter(ctx, services),
    typingRouter(ctx),
    receiptsRouter(ctx, services),
    // Room previews: GET /events?room_id=… long-polls like /sync (client-api's handler).
    peekEventsRouter(ctx),
  );
  const router = Router();
  router.use(CLIENT_API_PREFIXES, versioned);
  return router;
}
