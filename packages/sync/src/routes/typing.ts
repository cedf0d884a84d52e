/**
 * PUT /rooms/{roomId}/typing/{userId} (typing.yaml): one's own typing state in
 * a room one is joined to, through the TypingManager (which expires it).
 */
import { Errors } from '@lattice/core';
import { isShadowBanned, methodNotAllowed, objectBody, optionalBoolean, requesterOf, requireAuth, type ClientApiContext } from '@lattice/client-api';
import { Router, type Request, type Response } from 'express';
import { requireOwnUser } from './own-user.js';
import { requireJoined } from './room-access.js';

const DEFAULT_TIMEOUT_MS = 30_000;

function timeoutOf(body: Record<string, unknown>): number {
  const timeout = body.timeout;
  if (timeout === undefined || timeout === null) return DEFAULT_TIMEOUT_MS;
  if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 0) {
    throw Errors.invalidParam("'timeout' must be a non-negative integer");
  }
  return timeout;
}

export function typingRouter(ctx: ClientApiContext): Router {
  const router = Router();

  async function put(req: Request<{ roomId: string; userId: string }>, res: Response): Promise<void> {
    const { userId } = requireOwnUser(req, req.params.userId, 'set typing');
    const body = objectBody(req);
    const typing = optionalBoolean(body, 'typing');
    if (typing === undefined) throw Errors.missingParam('typing');
    const timeout = typing ? timeoutOf(body) : 0;
    await requireJoined(ctx.rooms.store, req.params.roomId, userId);
    // A shadow-banned user's typing reaches nobody.
    if (!isShadowBanned(requesterOf(req))) ctx.rooms.typing.setTyping(req.params.roomId, userId, typing, timeout);
    res.json({});
  }

  router.route('/rooms/:roomId/typing/:userId').put(requireAuth(ctx), put).all(methodNotAllowed);
  return router;
}
