/** GET /_synapse/admin/v2/users (Synapse's "List Accounts (V2)"): offset pages of local accounts. */
import type { ClientApiContext } from '@lattice/client-api';
import { Errors } from '@lattice/core';
import { Router, type Request, type Response } from 'express';
import { boolParam } from '../../http/bool-param.js';
import { enumParam, intParam, queryString } from '../../http/query-params.js';
import { listUsers, USER_ORDERS } from '../../stores/admin-users.js';

const DEFAULT_LIMIT = 100;

/** not_user_type may be given several times. */
function notUserTypes(req: Request): string[] {
  const raw = (req.query as Record<string, unknown>).not_user_type;
  const values = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  if (!values.every((v): v is string => typeof v === 'string')) throw Errors.invalidParam("Query parameter 'not_user_type' must be a string");
  return values;
}

export function listUsersRouter(ctx: ClientApiContext): Router {
  const router = Router();

  async function list(req: Request, res: Response): Promise<void> {
    const from = intParam(req, 'from', 0);
    const limit = intParam(req, 'limit', DEFAULT_LIMIT);
    if (limit < 1) throw Errors.invalidParam("Query parameter 'limit' must be a positive integer");
    const orderBy = enumParam(req, 'order_by', USER_ORDERS, 'name');
    const dir = enumParam(req, 'dir', ['f', 'b'] as const, 'f');
    const { users, total } = await listUsers(
      ctx.db,
      {
        name: queryString(req, 'name'),
        userId: queryString(req, 'user_id'),
        guests: boolParam(req, 'guests') ?? true,
        deactivated: boolParam(req, 'deactivated') ?? false,
        locked: boolParam(req, 'locked') ?? false,
        admins: boolParam(req, 'admins'),
        notUserTypes: notUserTypes(req),
      },
      { from, limit, orderBy, backwards: dir === 'b' },
    );
    const body: Record<string, unknown> = { users, total };
    if (from + users.length < total) body.next_token = String(from + users.length);
    res.json(body);
  }

  router.get('/v2/users', list);
  return router;
}
