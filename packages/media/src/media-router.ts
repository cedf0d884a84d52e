/**
 * The media repository's HTTP surface (issue 7), mounted by apps beside the
 * client API. URL previews and remote media are added by their own modules.
 */
import type { ClientApiContext } from '@lattice/client-api';
import { Router } from 'express';
import { MediaRepository } from './media-repository.js';
import { downloadRoutes } from './routes/download-routes.js';
import { uploadRoutes } from './routes/upload-routes.js';
import { Thumbnailer } from './thumbnails/thumbnailer.js';

export function mediaRouter(
  ctx: ClientApiContext,
  repo = new MediaRepository(ctx.db, ctx.config.media_store_path, ctx.config.max_upload_size),
): Router {
  const thumbnailer = new Thumbnailer(ctx.db, repo.paths);
  const router = Router();
  router.use(uploadRoutes(ctx, repo, ['/_matrix/media/v3', '/_matrix/media/r0']));
  router.use(downloadRoutes(ctx, repo, thumbnailer));
  return router;
}
