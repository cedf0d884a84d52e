/** GET /_synapse/admin/v1/media/<server_name>/<media_id> (Synapse's shape): what is stored about one media item. */
import type { ClientApiContext } from '@lattice/client-api';
import { Errors } from '@lattice/core';
import { findLocalMedia, mediaRefOf, remoteMediaInfo } from '@lattice/media';
import { Router, type Request, type Response } from 'express';

type MediaParams = { serverName: string; mediaId: string };

export function mediaInfoRouter(ctx: ClientApiContext): Router {
  const router = Router();
  router.get('/v1/media/:serverName/:mediaId', async (req: Request<MediaParams>, res: Response) => {
    const ref = mediaRefOf(req.params);
    // Not tracked here: last access, URL-preview origin, content hash.
    const untracked = { url_cache: null, last_access_ts: null, sha256: null, authenticated: true };
    if (ref.serverName === ctx.config.server_name) {
      const media = await findLocalMedia(ctx.db, ref.mediaId);
      if (!media) throw Errors.notFound('Unknown media');
      return void res.json({
        media_info: {
          media_id: media.mediaId,
          media_type: media.contentType,
          media_length: media.length === null ? null : Number(media.length),
          upload_name: media.uploadName,
          created_ts: Number(media.createdTs),
          user_id: media.userId,
          quarantined_by: media.quarantinedBy,
          safe_from_quarantine: media.safeFromQuarantine,
          ...untracked,
        },
      });
    }
    const media = await remoteMediaInfo(ctx.db, ref.serverName, ref.mediaId);
    if (!media) throw Errors.notFound('Unknown media');
    res.json({
      media_info: {
        media_origin: media.origin,
        media_id: media.mediaId,
        media_type: media.contentType,
        media_length: media.length,
        upload_name: media.uploadName,
        created_ts: media.createdTs,
        filesystem_id: media.mediaId,
        quarantined_by: media.quarantinedBy,
        ...untracked,
      },
    });
  });
  return router;
}
