/**
 * POST /user/{userId}/openid/request_token (openid.yaml): only for oneself.
 * The body is reserved for future expansion: any JSON object is accepted.
 */
import { Errors } from '@lattice/core';
import { methodNotAllowed, optionalObjectBody, requesterOf, requireAuth, type ClientApiContext } from '@lattice/client-api';
import { Router, type Request, type Response } from 'express';
import { issueOpenIdToken } from './openid-tokens.js';

export function openIdRouter(ctx: ClientApiContext, now: () => number = Date.now): Router {
  const router = Router();
  async function requestToken(req: Request<{ userId: string }>, res: Response): Promise<void> {
    if (requesterOf(req).userId !== req.params.userId) throw Errors.forbidden('Cannot request tokens for other users');
    optionalObjectBody(req);
    const issued = await issueOpenIdToken(ctx.db, req.params.userId, now());
    res.json({
      access_token: issued.token,
      token_type: 'Bearer',
      matrix_server_name: ctx.config.server_name,
      expires_in: Math.floor(issued.expiresInMs / 1000),
    });
  }
  router.route('/user/:userId/openid/request_token').post(requireAuth(ctx), requestToken).all(methodNotAllowed);
  return router;
}
