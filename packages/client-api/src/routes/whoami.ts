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
      res.json({ user_id: userId, device_id: deviceId, is_guest: isGuest });
    })
    .all(methodNotAllowed);
  return router;
}
