/**
 * GET /_matrix/federation/v1/openid/userinfo (server-server openid.yaml): a
 * third party exchanges an OpenID token for the user id. Unauthenticated (the
 * token is the credential); unknown or expired → 401 M_UNKNOWN_TOKEN. A
 * federation path: the federation-inbound role serves it in the worker split.
 */
import { Errors, MatrixError } from '@lattice/core';
import type { Queryable } from '@lattice/storage';
import { methodNotAllowed } from '@lattice/client-api';
import { Router, type Request, type Response } from 'express';
import { openIdTokenOwner } from './openid-tokens.js';

export const OPENID_USERINFO_PATH = '/_matrix/federation/v1/openid/userinfo';

export function openIdUserInfoRouter(db: Queryable, now: () => number = Date.now): Router {
  const router = Router();
  async function userInfo(req: Request, res: Response): Promise<void> {
    const token = (req.query as Record<string, unknown>).access_token;
    if (token === undefined) throw Errors.missingParam('access_token');
    const owner = typeof token === 'string' ? await openIdTokenOwner(db, token, now()) : undefined;
    if (owner === undefined) throw new MatrixError(401, 'M_UNKNOWN_TOKEN', 'Access token unknown or expired');
    res.json({ sub: owner });
  }
  router.route(OPENID_USERINFO_PATH).get(userInfo).all(methodNotAllowed);
  return router;
}
