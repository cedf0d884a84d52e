/**
 * GET /_synapse/admin/v1/username_available?username=: the answers of
 * /register/available (M_INVALID_USERNAME, M_USER_IN_USE), whether or not
 * registration is open.
 */
import { availableLocalpart, type ClientApiContext } from '@lattice/client-api';
import { Errors } from '@lattice/core';
import { Router, type Request, type Response } from 'express';
import { queryString } from '../../http/query-params.js';

export function usernameAvailableRouter(ctx: ClientApiContext): Router {
  const router = Router();

  async function available(req: Request, res: Response): Promise<void> {
    const username = queryString(req, 'username');
    if (username === undefined) throw Errors.missingParam('username');
    await availableLocalpart(ctx, username);
    res.json({ available: true });
  }

  router.get('/v1/username_available', available);
  return router;
}
