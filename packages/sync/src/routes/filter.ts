/**
 * POST /user/{userId}/filter and GET /user/{userId}/filter/{filterId}
 * (filter.yaml): the filter is validated, then stored as the client sent it.
 */
import { Errors, parseFilter } from '@lattice/core';
import { methodNotAllowed, objectBody, requireAuth, type ClientApiContext } from '@lattice/client-api';
import { Router, type Request, type Response } from 'express';
import { insertFilter, selectFilter } from '../stores/filters.js';
import { requireOwnUser } from './own-user.js';

export function filterRouter(ctx: ClientApiContext): Router {
  const router = Router();
  const auth = requireAuth(ctx);

  async function create(req: Request<{ userId: string }>, res: Response): Promise<void> {
    const { userId } = requireOwnUser(req, req.params.userId, 'create filters');
    const body = objectBody(req);
    parseFilter(body);
    res.json({ filter_id: await insertFilter(ctx.db, userId, JSON.stringify(body)) });
  }

  async function get(req: Request<{ userId: string; filterId: string }>, res: Response): Promise<void> {
    const { userId } = requireOwnUser(req, req.params.userId, 'read filters');
    const json = await selectFilter(ctx.db, userId, req.params.filterId);
    if (json === undefined) throw Errors.notFound('No such filter');
    res.type('application/json').send(json);
  }

  router.route('/user/:userId/filter').post(auth, create).all(methodNotAllowed);
  router.route('/user/:userId/filter/:filterId').get(auth, get).all(methodNotAllowed);
  return router;
}
