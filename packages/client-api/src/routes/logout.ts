/** POST /logout and /logout/all: the device (or all devices) and their tokens go. */
import { Router } from 'express';
import type { ClientApiContext } from '../context.js';
import { requesterOf, requireAuth } from '../http/auth.js';
import { methodNotAllowed } from '../http/unrecognized.js';
import { revokingTokens } from '../accounts/token-revocation.js';
import { deleteAllDevices, deleteDevices } from '../stores/devices.js';

export function logoutRouter(ctx: ClientApiContext): Router {
  const router = Router();
  // These endpoints take an empty body; whatever is sent is ignored.
  router
    .route('/logout')
    .post(requireAuth(ctx), async (req, res) => {
      const { userId, deviceId } = requesterOf(req);
      const removed = await revokingTokens(ctx, userId, (tx) => deleteDevices(tx, userId, [deviceId]));
      await ctx.devices?.removed(userId, removed);
      res.json({});
    })
    .all(methodNotAllowed);
  router
    .route('/logout/all')
    .post(requireAuth(ctx), async (req, res) => {
      const { userId } = requesterOf(req);
      const removed = await revokingTokens(ctx, userId, (tx) => deleteAllDevices(tx, userId));
      await ctx.devices?.removed(userId, removed);
      res.json({});
    })
    .all(methodNotAllowed);
  return router;
}
