/**
 * Deleting media (Synapse's media admin API): DELETE /v1/media/<server>/<media_id>
 * (one local item), POST /v1/media/delete and /v1/media/<server>/delete
 * (local uploads by age and size; protected, quarantined and, with
 * keep_profiles, avatar media kept) and POST /v1/purge_media_cache (other
 * servers' media cached before a time). Files go from disk and the storage bucket.
 */
import type { ClientApiContext } from '@lattice/client-api';
import { Errors } from '@lattice/core';
import { MediaDeletion, mediaRefOf } from '@lattice/media';
import { Router, type Request, type Response } from 'express';
import { boolParam } from '../../http/bool-param.js';
import { intParam, queryString } from '../../http/query-params.js';

/** Timestamps below this are seconds, not milliseconds (Synapse refuses them the same way). */
const MIN_PLAUSIBLE_TS = 30_000_000_000;

function beforeTsOf(req: Request): number {
  if (queryString(req, 'before_ts') === undefined) throw Errors.missingParam('before_ts');
  const beforeTs = intParam(req, 'before_ts', 0);
  if (beforeTs < MIN_PLAUSIBLE_TS) {
    throw Errors.invalidParam('Query parameter before_ts you provided is from the year 1970. Double check that you are providing a timestamp in milliseconds.');
  }
  return beforeTs;
}

export function mediaDeleteRouter(ctx: ClientApiContext): Router {
  const router = Router();
  const deletion = MediaDeletion.fromConfig(ctx.db, ctx.config, ctx.logger);
  const serverName = ctx.config.server_name;

  async function deleteOne(req: Request<{ serverName: string; mediaId: string }>, res: Response): Promise<void> {
    const ref = mediaRefOf(req.params);
    if (ref.serverName !== serverName) throw Errors.invalidParam('Can only delete local media');
    const deleted = await deletion.deleteLocal([ref.mediaId]);
    if (deleted.length === 0) throw Errors.notFound('Unknown media');
    res.json({ deleted_media: deleted, total: deleted.length });
  }

  async function deleteOld(req: Request<{ serverName?: string }>, res: Response): Promise<void> {
    if (req.params.serverName !== undefined && req.params.serverName !== serverName) throw Errors.invalidParam('Can only delete local media');
    const query = { beforeTs: beforeTsOf(req), sizeGt: intParam(req, 'size_gt', 0), keepProfiles: boolParam(req, 'keep_profiles') ?? true };
    const deleted = await deletion.deleteOldLocal(query);
    res.json({ deleted_media: deleted, total: deleted.length });
  }

  async function purgeCache(req: Request, res: Response): Promise<void> {
    res.json({ deleted: await deletion.purgeRemoteCache(beforeTsOf(req)) });
  }

  router.post('/v1/media/delete', deleteOld);
  router.post('/v1/media/:serverName/delete', deleteOld);
  router.delete('/v1/media/:serverName/:mediaId', deleteOne);
  router.post('/v1/purge_media_cache', purgeCache);
  return router;
}
