/** GET /_synapse/admin/v1/whois/<user_id>: the user's sessions (whois-body.ts). */
import type { ClientApiContext } from '@lattice/client-api';
import { Router, type Request, type Response } from 'express';
import { existingLocalUser } from '../../http/target-user.js';
import { whoisBody } from './whois-body.js';

export function whoisRouter(ctx: ClientApiContext): Router {
  const router = Router();

  async function whois(req: Request<{ userId: string }>, res: Response): Promise<void> {
    const user = await existingLocalUser(ctx, req.params.userId);
    res.json(await whoisBody(ctx, user.userId));
  }

  router.get('/v1/whois/:userId', whois);
  return router;
}
