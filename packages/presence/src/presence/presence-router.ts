/**
 * GET/PUT /presence/{userId}/status (presence.yaml). Only one's own presence
 * may be set; another user's is readable by users sharing a joined room with
 * them (403 M_FORBIDDEN otherwise, as Synapse answers). With presence off,
 * PUT is accepted and ignored and GET answers offline.
 */
import { Errors, isValidUserId } from '@lattice/core';
import { methodNotAllowed, objectBody, optionalString, requesterOf, requireAuth, type ClientApiContext } from '@lattice/client-api';
import { Router, type Request, type Response } from 'express';
import type { PresenceService } from './presence-service.js';
import { isPresenceState, presenceContent } from './presence-state.js';
import { sharesJoinedRoom } from './presence-store.js';

type Params = { userId: string };

function pathUser(req: Request<Params>): string {
  const { userId } = req.params;
  if (!isValidUserId(userId)) throw Errors.invalidParam('Invalid user ID');
  return userId;
}

export function presenceRouter(ctx: ClientApiContext, presence: PresenceService, now: () => number = Date.now): Router {
  const router = Router();
  const auth = requireAuth(ctx);

  async function put(req: Request<Params>, res: Response): Promise<void> {
    const userId = pathUser(req);
    if (requesterOf(req).userId !== userId) throw Errors.forbidden('Can only set your own presence state');
    const body = objectBody(req);
    if (body.presence === undefined || body.presence === null) throw Errors.missingParam('presence');
    if (!isPresenceState(body.presence)) throw Errors.invalidParam("'presence' must be one of online, unavailable, offline");
    const statusMsg = optionalString(body, 'status_msg') ?? null;
    await presence.set(userId, body.presence, statusMsg);
    res.json({});
  }

  async function get(req: Request<Params>, res: Response): Promise<void> {
    const userId = pathUser(req);
    const observer = requesterOf(req).userId;
    if (observer !== userId && !(await sharesJoinedRoom(ctx.db, observer, userId))) {
      throw Errors.forbidden('You are not allowed to see their presence');
    }
    if (!presence.enabled) {
      res.json({ presence: 'offline' });
      return;
    }
    res.json(presenceContent(await presence.get(userId), now()));
  }

  router.route('/presence/:userId/status').get(auth, get).put(auth, put).all(methodNotAllowed);
  return router;
}
