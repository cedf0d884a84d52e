/**
 * GET /pushrules/ (pushrules.yaml), read-only: the rules unread counts are
 * computed with. Users cannot change them until the push rules API lands (a
 * later issue), so these are the default rules; clients (matrix-js-sdk) read
 * them before their first sync.
 */
import { methodNotAllowed, requireAuth, requesterOf, type ClientApiContext } from '@lattice/client-api';
import { Router, type Request, type Response } from 'express';
import { pushRulesOf } from '../notifications/push-rules-cache.js';

export function pushRulesRouter(ctx: ClientApiContext): Router {
  const router = Router();
  const get = (req: Request, res: Response): void => {
    res.json({ global: pushRulesOf(requesterOf(req).userId) });
  };
  router.route('/pushrules/').get(requireAuth(ctx), get).all(methodNotAllowed);
  return router;
}
