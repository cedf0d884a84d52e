/** POST /logout and /logout/all: the device (or all devices) and their tokens go. */
import { Router } from 'express';
import type { ClientApiContext } from '../context.js';
import { requesterOf, requireAuth } from '../http/auth.js';
import { methodNotAllowed } from '../http/unrecognized.js';
import { deleteAllDevices, deleteDevices } from '../stores/devices.js';

export function logoutRouter(ctx: ClientApiContext): Router {
  const router = Router();
  // These endpoints take an empty body; whatever is sent is ignored.
  router
    .route('/logout')
    .post(requireAuth(ctx), async (req, res) => {
      const { userId, deviceId } = requesterOf(req);
      await deleteDevices(ctx.db, userId, [deviceId]);
      res.json({});
    })
    .all(methodNotAllowed);
  router
    .route('/logout/all')
    .post(requireAuth(ctx), async (req, res) => {
      await deleteAllDevices(ctx.db, requesterOf(req).userId);
      res.json({});
    })
    .all(methodNotAllowed);
  return router;
}
