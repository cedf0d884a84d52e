/** POST /_synapse/admin/v1/media/{protect,unprotect}/<media_id>: local media safe from quarantine and bulk deletion. */
import type { ClientApiContext } from '@lattice/client-api';
import { Errors } from '@lattice/core';
import { isValidMediaId, setMediaProtected } from '@lattice/media';
import { Router, type Request, type Response } from 'express';

export function protectRouter(ctx: ClientApiContext): Router {
  const router = Router();
  const protect = (safe: boolean) => async (req: Request<{ mediaId: string }>, res: Response) => {
    const { mediaId } = req.params;
    if (!isValidMediaId(mediaId) || !(await setMediaProtected(ctx.db, mediaId, safe))) throw Errors.notFound('Unknown media');
    res.json({});
  };
  router.post('/v1/media/protect/:mediaId', protect(true));
  router.post('/v1/media/unprotect/:mediaId', protect(false));
  return router;
}
