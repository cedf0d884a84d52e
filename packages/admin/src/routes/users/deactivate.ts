/**
 * POST /_synapse/admin/v1/deactivate/<user_id> {erase}: the account
 * deactivation of client-api (tokens, devices and keys gone, every room left; erase also clears the profile and marks the user erased).
 */
import { deactivateAccount, optionalBoolean, optionalObjectBody, type ClientApiContext } from '@lattice/client-api';
import { Router, type Request, type Response } from 'express';
import { existingLocalUser } from '../../http/target-user.js';

export function deactivateRouter(ctx: ClientApiContext): Router {
  const router = Router();

  async function deactivate(req: Request<{ userId: string }>, res: Response): Promise<void> {
    // An empty body is allowed, as Synapse allows it for older tools.
    const erase = optionalBoolean(optionalObjectBody(req), 'erase') ?? false;
    const user = await existingLocalUser(ctx, req.params.userId, 'Can only deactivate local users');
    await deactivateAccount(ctx, user.userId, { erase });
    res.json({ id_server_unbind_result: 'success' });
  }

  router.post('/v1/deactivate/:userId', deactivate);
  return router;
}
