/**
 * GET /_synapse/admin/v1/users/<user_id>/media: the user's uploads, newest
 * first unless order_by/dir say otherwise; next_token (a number) while more remain.
 */
import type { ClientApiContext } from '@lattice/client-api';
import { Errors } from '@lattice/core';
import { Router, type Request, type Response } from 'express';
import { enumParam, intParam, queryString } from '../../http/query-params.js';
import { existingLocalUser } from '../../http/target-user.js';
import { listUserMedia, USER_MEDIA_ORDERS } from '../../stores/user-media.js';

export function userMediaRouter(ctx: ClientApiContext): Router {
  const router = Router();

  async function list(req: Request<{ userId: string }>, res: Response): Promise<void> {
    const from = intParam(req, 'from', 0);
    const limit = intParam(req, 'limit', 100);
    if (limit < 1) throw Errors.invalidParam("Query parameter 'limit' must be a positive integer");
    // Neither given: newest first (Synapse's default); otherwise created_ts and 'f' are the defaults.
    const defaultOrder = queryString(req, 'order_by') === undefined && queryString(req, 'dir') === undefined;
    const orderBy = enumParam(req, 'order_by', USER_MEDIA_ORDERS, 'created_ts');
    const dir = defaultOrder ? 'b' : enumParam(req, 'dir', ['f', 'b'] as const, 'f');
    const { userId } = await existingLocalUser(ctx, req.params.userId);
    const { media, total } = await listUserMedia(ctx.db, userId, { from, limit, orderBy, backwards: dir === 'b' });
    const body: Record<string, unknown> = { media, total };
    if (from + media.length < total) body.next_token = from + media.length;
    res.json(body);
  }

  router.get('/v1/users/:userId/media', list);
  return router;
}
