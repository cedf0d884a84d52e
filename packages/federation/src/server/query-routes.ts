/**
 * GET /_matrix/federation/v1/query/profile and /query/directory (query.yaml):
 * this server's own users' profiles and its own room aliases, for an
 * authenticated server. Other query types fall through to M_UNRECOGNIZED.
 */
import { Errors, parseRoomAlias, parseUserId } from '@lattice/core';
import { getProfile, methodNotAllowed, resolveRoomAlias, type ClientApiContext } from '@lattice/client-api';
import { Router, type Request } from 'express';

function queryString(req: Request, name: string): string {
  const value = req.query[name];
  if (value === undefined) throw Errors.missingParam(name);
  if (typeof value !== 'string') throw Errors.invalidParam(`${name} must be given once`);
  return value;
}

export function queryRoutes(ctx: ClientApiContext): Router {
  const router = Router();
  const serverName = ctx.config.server_name;

  router
    .route('/_matrix/federation/v1/query/profile')
    .get(async (req, res) => {
      const userId = queryString(req, 'user_id');
      const parsed = parseUserId(userId);
      if (parsed === undefined) throw Errors.invalidParam('Invalid user_id');
      if (parsed.domain !== serverName) throw Errors.invalidParam('User is not hosted on this homeserver');
      const field = req.query.field;
      if (field !== undefined && typeof field !== 'string') throw Errors.invalidParam('field must be given once');
      const profile = await getProfile(ctx.db, userId);
      if (profile === undefined) throw Errors.notFound('Profile not found');
      const json: Record<string, string> = {};
      for (const [key, value] of Object.entries(profile)) {
        if (value !== null && (field === undefined || field === key)) json[key] = value;
      }
      res.json(json);
    })
    .all(methodNotAllowed);

  router
    .route('/_matrix/federation/v1/query/directory')
    .get(async (req, res) => {
      const alias = queryString(req, 'room_alias');
      if (parseRoomAlias(alias) === undefined) throw Errors.invalidParam('Invalid room_alias');
      const found = await resolveRoomAlias(ctx, alias);
      if (found === undefined) throw Errors.notFound('Room alias not found.');
      res.json(found);
    })
    .all(methodNotAllowed);

  return router;
}
