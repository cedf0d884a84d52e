/** GET /voip/turnServer (voip.yaml): credentials from turn-credentials.ts, {} when TURN is not configured. */
import { Errors } from '@lattice/core';
import { methodNotAllowed, requesterOf, requireAuth, type ClientApiContext } from '@lattice/client-api';
import { Router, type Request, type Response } from 'express';
import { turnCredentials } from './turn-credentials.js';

export function voipRouter(ctx: ClientApiContext, now: () => number = Date.now): Router {
  const router = Router();
  function turnServer(req: Request, res: Response): void {
    const requester = requesterOf(req);
    if (requester.isGuest && !ctx.config.turn_allow_guests) throw Errors.guestAccessForbidden();
    res.json(turnCredentials(ctx.config, requester.userId, now()) ?? {});
  }
  router.route('/voip/turnServer').get(requireAuth(ctx), turnServer).all(methodNotAllowed);
  return router;
}
