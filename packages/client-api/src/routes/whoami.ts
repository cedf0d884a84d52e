/** GET /account/whoami. */
import { Router } from 'express';
import type { ClientApiContext } from '../context.js';
import { requesterOf, requireAuth } from '../http/auth.js';
import { methodNotAllowed } from '../http/unrecognized.js';

export function whoamiRouter(ctx: ClientApiContext): Router {
  const router = Router();
  router
    .route('/account/whoami')
    .get(requireAuth(ctx), (req, res) => {
      const { userId, deviceId, isGuest } = requesterOf(req);
      // An appservice acting without ?device_id= has no device: device_id is then left out.
      res.json({ user_id: userId, ...(deviceId !== '' ? { device_id: deviceId } : {}), is_guest: isGuest });
    })
    .all(methodNotAllowed);
  return router;
}
