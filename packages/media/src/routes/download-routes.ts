/**
 * Serving media: the authenticated /_matrix/client/v1/media/{download,thumbnail,config}
 * endpoints and their deprecated unauthenticated /_matrix/media/{v3,r0} twins.
 * Remote media is fetched over federation for authenticated requests only; the
 * legacy endpoints serve local media and remote media already cached (spec 1.11
 * deprecation: no new unauthenticated fetches of remote media).
 */
import { Errors } from '@lattice/core';
import { methodNotAllowed, requireAuth, type ClientApiContext } from '@lattice/client-api';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { queryBoolean, queryInteger } from '../http/query.js';
import { sendStoredFile } from '../http/send-file.js';
import { contentDisposition, isInlineSafe, setMediaHeaders } from '../http/serving-headers.js';
import type { MediaRepository } from '../media-repository.js';
import { mediaRefOf, type MediaRef } from '../mxc.js';
import type { RemoteMediaCache } from '../remote/remote-media-cache.js';
import type { Thumbnailer } from '../thumbnails/thumbnailer.js';
import { thumbnailRequest } from '../thumbnails/thumbnail-request.js';

/** The spec's default for timeout_ms. */
const DEFAULT_TIMEOUT_MS = 20_000;

const THUMBNAIL_EXTENSIONS: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp', 'image/gif': 'gif' };

export function downloadRoutes(ctx: ClientApiContext, repo: MediaRepository, thumbnailer: Thumbnailer, remote?: RemoteMediaCache): Router {
  const serverName = ctx.config.server_name;

  function requestedMedia(req: Request): { ref: MediaRef; timeoutMs: number } {
    const ref = mediaRefOf(req.params);
    // allow_redirect is accepted; we always answer with the bytes, as the spec requires when it is not true.
    queryBoolean(req, 'allow_redirect');
    return { ref, timeoutMs: queryInteger(req, 'timeout_ms') ?? DEFAULT_TIMEOUT_MS };
  }

  /** The media a request names: local once uploaded (waiting per timeout_ms), or remote (fetched only if `mayFetch`). */
  async function contentOf(req: Request, mayFetch: boolean): Promise<{ path: string; contentType: string; uploadName: string | null }> {
    const { ref, timeoutMs } = requestedMedia(req);
    if (ref.serverName === serverName) return repo.awaitContent(ref.mediaId, timeoutMs);
    const media = !remote
      ? undefined
      : mayFetch
        ? await remote.download(ref.serverName, ref.mediaId, timeoutMs)
        : await remote.cachedDownload(ref.serverName, ref.mediaId);
    if (!media) throw Errors.notFound('Unknown media ID');
    return media;
  }

  const download = (mayFetch: boolean): RequestHandler => async (req, res) => {
    const media = await contentOf(req, mayFetch);
    const override = req.params.fileName;
    const fileName = typeof override === 'string' ? override : (media.uploadName ?? undefined);
    const disposition = contentDisposition(isInlineSafe(media.contentType) ? 'inline' : 'attachment', fileName);
    setMediaHeaders(res, media.contentType, disposition);
    await sendStoredFile(res, media.path);
  };

  const thumbnail = (mayFetch: boolean): RequestHandler => async (req, res) => {
    const request = thumbnailRequest(req);
    const { ref, timeoutMs } = requestedMedia(req);
    let thumb: { path: string; contentType: string };
    if (ref.serverName === serverName) thumb = await thumbnailer.thumbnail(await repo.awaitContent(ref.mediaId, timeoutMs), request);
    else if (remote && mayFetch) thumb = await remote.thumbnail(ref.serverName, ref.mediaId, request, timeoutMs);
    else throw Errors.notFound('Unknown media ID');
    const ext = THUMBNAIL_EXTENSIONS[thumb.contentType] ?? 'bin';
    // A remote server chooses its thumbnails' type: only types safe inline are shown inline.
    setMediaHeaders(res, thumb.contentType, contentDisposition(isInlineSafe(thumb.contentType) ? 'inline' : 'attachment', `thumbnail.${ext}`));
    await sendStoredFile(res, thumb.path);
  };

  const config: RequestHandler = (_req, res: Response) => {
    res.json({ 'm.upload.size': ctx.config.max_upload_size });
  };

  const auth = requireAuth(ctx);
  const router = Router();
  const mount = (prefix: string, guards: RequestHandler[], withConfigAuth: RequestHandler[]): void => {
    // Only authenticated requests may make this server fetch remote media.
    const mayFetch = guards.length > 0;
    router
      .route(`${prefix}/download/:serverName/:mediaId{/:fileName}`)
      .get(...guards, download(mayFetch))
      .all(methodNotAllowed);
    router
      .route(`${prefix}/thumbnail/:serverName/:mediaId`)
      .get(...guards, thumbnail(mayFetch))
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
