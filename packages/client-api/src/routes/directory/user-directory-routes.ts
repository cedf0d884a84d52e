/** POST /user_directory/search (users.yaml). */
import { Errors } from '@lattice/core';
import { Router, type Request, type Response } from 'express';
import type { ClientApiContext } from '../../context.js';
import { requesterOf, requireAuth } from '../../http/auth.js';
import { objectBody } from '../../http/body.js';
import { methodNotAllowed } from '../../http/unrecognized.js';
import { requireString } from '../../http/validate.js';
import { beforeRead } from '../rooms/read-your-writes.js';
import { searchUserDirectory } from './user-directory-search.js';

const DEFAULT_LIMIT = 10;
/** Synapse's cap: a directory search is a lookup, not an export. */
const MAX_LIMIT = 50;

function searchLimit(body: Record<string, unknown>): number {
  const limit = body.limit;
  if (limit === undefined || limit === null) return DEFAULT_LIMIT;
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit)) throw Errors.invalidParam("'limit' must be an integer");
  return Math.max(0, Math.min(limit, MAX_LIMIT));
}

export function userDirectoryRouter(ctx: ClientApiContext): Router {
  const router = Router();

  async function search(req: Request, res: Response): Promise<void> {
    const { userId } = requesterOf(req);
    const body = objectBody(req);
    const term = requireString(body, 'search_term');
    const limit = searchLimit(body);
    await beforeRead(ctx.rooms, userId);
    res.json(await searchUserDirectory(ctx.db, userId, term, limit));
  }

  router.route('/user_directory/search').post(requireAuth(ctx), search).all(methodNotAllowed);
  return router;
}
