/**
 * Uploads (spec content-repo.yaml): POST /upload streams the body to disk;
 * POST /_matrix/media/v1/create reserves an mxc:// URI that PUT /upload/{serverName}/{mediaId}
 * fills once, by its creator.
 */
import { Errors } from '@lattice/core';
import { enforceRateLimit, methodNotAllowed, requesterOf, requireAuth, type ClientApiContext } from '@lattice/client-api';
import { Router, type Request } from 'express';
import { queryString } from '../http/query.js';
import type { MediaRepository, UploadInput } from '../media-repository.js';
import { mediaRefOf, mxcUri } from '../mxc.js';
import { uploadTooLarge } from '../store/file-writer.js';

export function uploadRoutes(ctx: ClientApiContext, repo: MediaRepository, prefixes: string[]): Router {
  const auth = requireAuth(ctx);
  const serverName = ctx.config.server_name;
  const router = Router();

  for (const prefix of prefixes) {
    router
      .route(`${prefix}/upload`)
      .post(auth, async (req, res) => {
        const mediaId = await repo.upload(requesterOf(req).userId, uploadInput(req, repo.maxUploadSize));
        res.json({ content_uri: mxcUri(serverName, mediaId) });
      })
      .all(methodNotAllowed);

    router
      .route(`${prefix}/upload/:serverName/:mediaId`)
      .put(auth, async (req, res) => {
        const ref = mediaRefOf(req.params);
        if (ref.serverName !== serverName) throw Errors.notFound('Unknown media ID');
        await repo.uploadReserved(requesterOf(req).userId, ref.mediaId, uploadInput(req, repo.maxUploadSize));
        res.json({});
      })
      .all(methodNotAllowed);
  }

  router
    .route('/_matrix/media/v1/create')
    .post(auth, async (req, res) => {
      const { userId } = requesterOf(req);
      await enforceRateLimit(ctx, { name: 'rc_media_create', limit: ctx.config.rc_media_create, key: userId, requester: userId });
      const { mediaId, unusedExpiresAt } = await repo.create(userId);
      res.json({ content_uri: mxcUri(serverName, mediaId), unused_expires_at: unusedExpiresAt });
    })
    .all(methodNotAllowed);

  return router;
}

/** The request as an upload; a declared length over the limit is refused before reading a byte. */
function uploadInput(req: Request, maxUploadSize: number): UploadInput {
  if (Number(req.headers['content-length']) > maxUploadSize) throw uploadTooLarge(maxUploadSize);
  const contentType = req.headers['content-type'];
  return { body: req, contentType: contentType ? contentType : undefined, filename: queryString(req, 'filename') };
}
