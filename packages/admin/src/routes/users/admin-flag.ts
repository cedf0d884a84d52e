/** GET/PUT /_synapse/admin/v1/users/<user_id>/admin: whether the user is a server admin. Nobody may demote themselves. */
import { objectBody, requesterOf, revokingTokens, type ClientApiContext } from '@lattice/client-api';
import { Errors } from '@lattice/core';
import { Router, type Request, type Response } from 'express';
import { existingLocalUser } from '../../http/target-user.js';
import { setUserFlags } from '../../stores/user-flags.js';

type UserParams = { userId: string };
const LOCAL_ONLY = 'Only local users can be admins of this homeserver';

export function adminFlagRouter(ctx: ClientApiContext): Router {
  const router = Router();

  async function show(req: Request<UserParams>, res: Response): Promise<void> {
    const user = await existingLocalUser(ctx, req.params.userId, LOCAL_ONLY);
    res.json({ admin: user.admin });
  }

  async function set(req: Request<UserParams>, res: Response): Promise<void> {
    const body = objectBody(req);
    if (body.admin === undefined) throw Errors.missingParam('admin');
    if (typeof body.admin !== 'boolean') throw Errors.invalidParam("'admin' must be a boolean");
    const admin = body.admin;
    const user = await existingLocalUser(ctx, req.params.userId, LOCAL_ONLY);
    if (user.userId === requesterOf(req).userId && !admin) throw Errors.invalidParam('You may not demote yourself.');
    await revokingTokens(ctx, user.userId, (tx) => setUserFlags(tx, user.userId, { admin }));
    res.json({});
  }

  router.get('/v1/users/:userId/admin', show);
  router.put('/v1/users/:userId/admin', set);
  return router;
}
