/**
 * Serving media: the authenticated /_matrix/client/v1/media/{download,thumbnail,config}
 * endpoints and their deprecated unauthenticated /_matrix/media/{v3,r0} twins.
 * The legacy endpoints serve local media only: remote media is never fetched
 * for an unauthenticated request (spec 1.11 deprecation).
 */
import { Errors } from '@lattice/core';
import { methodNotAllowed, requireAuth, type ClientApiContext } from '@lattice/client-api';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { queryBoolean, queryInteger, queryString } from '../http/query.js';
import { sendStoredFile } from '../http/send-file.js';
import { contentDisposition, isInlineSafe, setMediaHeaders } from '../http/serving-headers.js';
import type { AvailableMedia, MediaRepository } from '../media-repository.js';
import { mediaRefOf } from '../mxc.js';
import type { ThumbnailMethod, ThumbnailRequest } from '../thumbnails/thumbnail-size.js';
import type { Thumbnailer } from '../thumbnails/thumbnailer.js';

/** The spec's default for timeout_ms. */
const DEFAULT_TIMEOUT_MS = 20_000;

const THUMBNAIL_EXTENSIONS: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp', 'image/gif': 'gif' };

export function downloadRoutes(ctx: ClientApiContext, repo: MediaRepository, thumbnailer: Thumbnailer): Router {
  const serverName = ctx.config.server_name;

  /** The local media a request names, once uploaded (waiting per timeout_ms). */
  async function contentOf(req: Request): Promise<AvailableMedia> {
    const ref = mediaRefOf(req.params);
    // allow_redirect is accepted; we always answer with the bytes, as the spec requires when it is not true.
    queryBoolean(req, 'allow_redirect');
    const timeoutMs = queryInteger(req, 'timeout_ms') ?? DEFAULT_TIMEOUT_MS;
    // Remote media arrives with federation; until then nothing remote is stored.
    if (ref.serverName !== serverName) throw Errors.notFound('Unknown media ID');
    return repo.awaitContent(ref.mediaId, timeoutMs);
  }

  const download: RequestHandler = async (req, res) => {
    const media = await contentOf(req);
    const override = req.params.fileName;
    const fileName = typeof override === 'string' ? override : (media.uploadName ?? undefined);
    const disposition = contentDisposition(isInlineSafe(media.contentType) ? 'inline' : 'attachment', fileName);
    setMediaHeaders(res, media.contentType, disposition);
    await sendStoredFile(res, media.path);
  };

  const thumbnail: RequestHandler = async (req, res) => {
    const request = thumbnailRequest(req);
    const media = await contentOf(req);
    const thumb = await thumbnailer.thumbnail(media, request);
    const ext = THUMBNAIL_EXTENSIONS[thumb.contentType] ?? 'bin';
    setMediaHeaders(res, thumb.contentType, contentDisposition('inline', `thumbnail.${ext}`));
    await sendStoredFile(res, thumb.path);
  };

  const config: RequestHandler = (_req, res: Response) => {
    res.json({ 'm.upload.size': ctx.config.max_upload_size });
  };

  const auth = requireAuth(ctx);
  const router = Router();
  const mount = (prefix: string, guards: RequestHandler[], withConfigAuth: RequestHandler[]): void => {
    router
      .route(`${prefix}/download/:serverName/:mediaId{/:fileName}`)
      .get(...guards, download)
      .all(methodNotAllowed);
    router
      .route(`${prefix}/thumbnail/:serverName/:mediaId`)
      .get(...guards, thumbnail)
      .all(methodNotAllowed);
    router
      .route(`${prefix}/config`)
      .get(...withConfigAuth, config)
      .all(methodNotAllowed);
  };
  mount('/_matrix/client/v1/media', [auth], [auth]);
  for (const legacy of ['/_matrix/media/v3', '/_matrix/media/r0']) mount(legacy, [], [auth]);
  return router;
}

function thumbnailRequest(req: Request): ThumbnailRequest {
  const width = queryInteger(req, 'width', { positive: true });
  const height = queryInteger(req, 'height', { positive: true });
  if (width === undefined) throw Errors.missingParam('width');
  if (height === undefined) throw Errors.missingParam('height');
  const method = queryString(req, 'method') ?? 'scale';
  if (method !== 'crop' && method !== 'scale') throw Errors.invalidParam("'method' must be crop or scale");
  return { width, height, method: method as ThumbnailMethod, animated: queryBoolean(req, 'animated') };
}
