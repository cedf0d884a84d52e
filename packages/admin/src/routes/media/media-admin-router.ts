/** The media admin API (Synapse's media_admin_api): one router for the admin router's one line. */
import type { ClientApiContext } from '@lattice/client-api';
import { Router } from 'express';
import { mediaDeleteRouter } from './media-delete.js';
import { mediaInfoRouter } from './media-info.js';
import { protectRouter } from './protect.js';
import { quarantineRouter } from './quarantine.js';
import { roomMediaRouter } from './room-media.js';

export function mediaAdminRouter(ctx: ClientApiContext): Router {
  const router = Router();
  // Fixed path segments (protect, delete, quarantine…) before the /v1/media/<server>/<id> patterns.
  router.use(quarantineRouter(ctx), protectRouter(ctx), mediaDeleteRouter(ctx), roomMediaRouter(ctx), mediaInfoRouter(ctx));
  return router;
}
