/**
 * Serving this server's media to other servers (federation content_repository.yaml,
 * spec v1.11): GET /_matrix/federation/v1/media/download/{mediaId} and
 * /thumbnail/{mediaId}, authenticated with X-Matrix by the middleware the caller
 * passes in. The answer is multipart/mixed: an empty JSON metadata part, then
 * the bytes, streamed from disk.
 */
import { createReadStream } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Errors } from '@lattice/core';
import { methodNotAllowed } from '@lattice/client-api';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { queryInteger } from '../http/query.js';
import { contentDisposition, isInlineSafe } from '../http/serving-headers.js';
import type { MediaRepository } from '../media-repository.js';
import { isValidMediaId } from '../mxc.js';
import type { Thumbnailer } from '../thumbnails/thumbnailer.js';
import { thumbnailRequest } from '../thumbnails/thumbnail-request.js';

const DEFAULT_TIMEOUT_MS = 20_000;

export function federationMediaRoutes(repo: MediaRepository, thumbnailer: Thumbnailer, authenticate: RequestHandler[]): Router {
  const mediaIdOf = (req: Request): string => {
    const mediaId = String(req.params.mediaId);
    if (!isValidMediaId(mediaId)) throw Errors.notFound('Unknown media ID');
    return mediaId;
  };
  const timeoutOf = (req: Request) => queryInteger(req, 'timeout_ms') ?? DEFAULT_TIMEOUT_MS;

  const download: RequestHandler = async (req, res) => {
    const media = await repo.awaitContent(mediaIdOf(req), timeoutOf(req));
    const disposition = contentDisposition(isInlineSafe(media.contentType) ? 'inline' : 'attachment', media.uploadName ?? undefined);
    await sendMultipart(res, media.path, media.contentType, disposition);
  };

  const thumbnail: RequestHandler = async (req, res) => {
    const request = thumbnailRequest(req);
    const media = await repo.awaitContent(mediaIdOf(req), timeoutOf(req));
    const thumb = await thumbnailer.thumbnail(media, request);
    await sendMultipart(res, thumb.path, thumb.contentType, contentDisposition('inline', undefined));
  };

  const router = Router();
  router.route('/_matrix/federation/v1/media/download/:mediaId').get(...authenticate, download).all(methodNotAllowed);
  router.route('/_matrix/federation/v1/media/thumbnail/:mediaId').get(...authenticate, thumbnail).all(methodNotAllowed);
  return router;
}

/** The two-part multipart/mixed body: `{}` as metadata, then the file with its type and disposition. */
async function sendMultipart(res: Response, path: string, contentType: string, disposition: string): Promise<void> {
  const boundary = randomBytes(16).toString('hex');
  res.status(200);
  res.setHeader('Content-Type', `multipart/mixed; boundary=${boundary}`);
  res.write(`--${boundary}\r\nContent-Type: application/json\r\n\r\n{}\r\n`);
  res.write(`--${boundary}\r\nContent-Type: ${contentType}\r\nContent-Disposition: ${disposition}\r\n\r\n`);
  await pipeline(createReadStream(path), res, { end: false });
  res.end(`\r\n--${boundary}--\r\n`);
}
