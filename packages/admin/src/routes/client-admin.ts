/**
 * The Client-Server API's own administration endpoints (admin.yaml):
 * GET /v3/admin/whois/{userId} for the user themselves or a server admin, and
 * GET/PUT /v1/admin/lock/{userId} for server admins (spec "Account locking").
 * Authorisation is checked before any lookup, so nobody learns which accounts exist.
 */
import { authenticate, CLIENT_API_PREFIXES, methodNotAllowed, objectBody, rawBody, revokingTokens, type ClientApiContext } from '@lattice/client-api';
import { Errors } from '@lattice/core';
import { Router, type Request, type Response } from 'express';
import { existingLocalUser } from '../http/target-user.js';
import { setUserFlags } from '../stores/user-flags.js';
import { whoisBody } from './users/whois-body.js';

type UserParams = { userId: string };

async function isServerAdmin(ctx: ClientApiContext, userId: string): Promise<boolean> {
  const { rows } = await ctx.db.query<{ admin: boolean }>('SELECT admin FROM users WHERE user_id = $1', [userId]);
  return rows[0]?.admin === true;
}

export function clientAdminRouter(ctx: ClientApiContext): Router {
  const router = Router();

  async function whois(req: Request<UserParams>, res: Response): Promise<void> {
    const { userId } = await authenticate(ctx, req);
    if (userId !== req.params.userId && !(await isServerAdmin(ctx, userId))) throw Errors.forbidden('You are not a server admin');
    const user = await existingLocalUser(ctx, req.params.userId);
    res.json(await whoisBody(ctx, user.userId));
  }

  /** The target of a lock call: admins only; another server's user 400, unknown or deactivated 404. */
  async function lockTarget(req: Request<UserParams>): Promise<{ userId: string; locked: boolean }> {
    const { userId } = await authenticate(ctx, req);
    if (!(await isServerAdmin(ctx, userId))) throw Errors.forbidden('You are not a server admin');
    const user = await existingLocalUser(ctx, req.params.userId);
    if (user.deactivated) throw Errors.notFound('User not found');
    return user;
  }

  async function showLock(req: Request<UserParams>, res: Response): Promise<void> {
    res.json({ locked: (await lockTarget(req)).locked });
  }

  async function setLock(req: Request<UserParams>, res: Response): Promise<void> {
    const user = await lockTarget(req);
    const locked = objectBody(req).locked;
    if (locked === undefined) throw Errors.missingParam('locked');
    if (typeof locked !== 'boolean') throw Errors.invalidParam("'locked' must be a boolean");
    await revokingTokens(ctx, user.userId, (tx) => setUserFlags(tx, user.userId, { locked }));
    res.json({ locked });
  }

  router.route(CLIENT_API_PREFIXES.map((prefix) => `${prefix}/admin/whois/:userId`)).get(whois).all(methodNotAllowed);
  router
    .route('/_matrix/client/v1/admin/lock/:userId')
    .all(rawBody(ctx.config.max_request_body_size))
    .get(showLock)
    .put(setLock)
    .all(methodNotAllowed);
  return router;
}
