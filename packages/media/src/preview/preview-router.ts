/**
 * GET /_matrix/client/v1/media/preview_url and the deprecated
 * /_matrix/media/v3/preview_url (both authenticated). When
 * url_preview_enabled is false the routes are absent, as in Synapse, so the
 * client gets the usual 404 M_UNRECOGNIZED.
 */
import { Errors } from '@lattice/core';
import { methodNotAllowed, requireAuth, requesterOf, type ClientApiContext } from '@lattice/client-api';
import { Router, type Request, type Response } from 'express';
import type { MediaRepository } from '../media-repository.js';
import type { HostResolver } from '@lattice/core';
import { OEmbedProviders } from './oembed.js';
import { UrlPreviewer } from './url-previewer.js';

export interface PreviewRouterOptions {
  media: MediaRepository;
  /** Default: the system resolver. Tests inject one. */
  resolve?: HostResolver;
}

export const PREVIEW_PATHS = ['/_matrix/client/v1/media/preview_url', '/_matrix/media/v3/preview_url'];

export function previewRouter(ctx: ClientApiContext, options: PreviewRouterOptions): Router {
  const router = Router();
  const { config } = ctx;
  if (!config.url_preview_enabled) return router;
  const previewer = new UrlPreviewer({
    db: ctx.db,
    media: options.media,
    serverName: config.server_name,
    blacklist: config.url_preview_ip_range_blacklist ?? config.ip_range_blacklist,
    whitelist: config.url_preview_ip_range_whitelist ?? config.ip_range_whitelist,
    urlBlacklist: config.url_preview_url_blacklist,
    maxBytes: config.max_spider_size,
    logger: ctx.logger,
    oembed: OEmbedProviders.fromFiles(config.oembed.additional_providers),
    resolve: options.resolve,
  });

  async function get(req: Request, res: Response): Promise<void> {
    const { userId } = requesterOf(req);
    const query = req.query as Record<string, unknown>;
    const url = query.url;
    if (url === undefined) throw Errors.missingParam('url');
    if (typeof url !== 'string') throw Errors.invalidParam('url must be a string');
    res.json(await previewer.preview(url, userId, timestampOf(query.ts)));
  }

  router.route(PREVIEW_PATHS).get(requireAuth(ctx), get).all(methodNotAllowed);
  return router;
}

function timestampOf(ts: unknown): number | undefined {
  if (ts === undefined) return undefined;
  if (typeof ts !== 'string' || !/^\d{1,16}$/.test(ts)) throw Errors.invalidParam('ts must be a timestamp in milliseconds');
  return Number(ts);
}
