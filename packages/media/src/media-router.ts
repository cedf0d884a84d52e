/**
 * The media repository's HTTP surface (issue 7), mounted by apps beside the
 * client API. URL previews and remote media are added by their own modules.
 */
import type { ClientApiContext } from '@lattice/client-api';
import { Router, type RequestHandler } from 'express';
import { federationMediaRoutes } from './federation/federation-media-routes.js';
import { MediaRepository } from './media-repository.js';
import { downloadRoutes } from './routes/download-routes.js';
import { uploadRoutes } from './routes/upload-routes.js';
import { Thumbnailer } from './thumbnails/thumbnailer.js';
import { pregenerateThumbnails } from './thumbnails/pregenerate.js';
import { RemoteMediaCache } from './remote/remote-media-cache.js';
import type { RemoteMediaTransport } from './remote/remote-media-transport.js';

export interface MediaRouterOptions {
  /** How this server reaches other servers' media (federation); without it only local media is served. */
  remote?: RemoteMediaTransport;
}

export function mediaRouter(
  ctx: ClientApiContext,
  repo = MediaRepository.fromConfig(ctx.db, ctx.config),
  options: MediaRouterOptions = {},
): Router {
  const thumbnailer = new Thumbnailer(ctx.db, repo.paths);
  pregenerateThumbnails(repo, thumbnailer, ctx.config.thumbnail_sizes, ctx.logger);
  const remote = options.remote && new RemoteMediaCache(ctx.db, repo.paths, options.remote, repo.maxUploadSize);
  const router = Router();
  router.use(uploadRoutes(ctx, repo, ['/_matrix/media/v3', '/_matrix/media/r0']));
  router.use(downloadRoutes(ctx, repo, thumbnailer, remote));
  return router;
}

/**
 * This server's media for other servers (/_matrix/federation/v1/media/*),
 * behind the X-Matrix authentication the caller supplies: mounted on the
 * listeners that serve federation (in a split, routed to the media role as
 * Synapse's media workers are).
 */
export function federationMediaRouter(ctx: ClientApiContext, repo: MediaRepository, authenticate: RequestHandler[]): Router {
  return federationMediaRoutes(repo, new Thumbnailer(ctx.db, repo.paths), authenticate);
}
