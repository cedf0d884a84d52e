/**
 * POST/DELETE /_synapse/admin/v1/users/<user_id>/shadow_ban. The flag rides
 * on the user's access tokens (client-api's accounts/shadow-ban.ts acts on
 * it), so the change goes out as a token-cache invalidation every replica
 * applies before serving the user again.
 */
import { revokingTokens, type ClientApiContext } from '@lattice/client-api';
import { Router, type Request, type Response } from 'express';
import { existingLocalUser } from '../../http/target-user.js';
import { setUserFlags } from '../../stores/user-flags.js';

export function shadowBanRouter(ctx: ClientApiContext): Router {
  const router = Router();

  const setShadowBan = (shadowBanned: boolean) => async (req: Request<{ userId: string }>, res: Response) => {
    const user = await existingLocalUser(ctx, req.params.userId, 'Only local users can be shadow-banned');
    await revokingTokens(ctx, user.userId, (tx) => setUserFlags(tx, user.userId, { shadowBanned }));
    res.json({});
  };

  router.post('/v1/users/:userId/shadow_ban', setShadowBan(true));
  router.delete('/v1/users/:userId/shadow_ban', setShadowBan(false));
  return router;
}
