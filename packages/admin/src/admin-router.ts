/**
 * The Synapse-compatible admin API (issue 9) under /_synapse/admin: one
 * router per area, all behind requireServerAdmin. Mounted on client listeners
 * (as Synapse does); in the worker split nginx routes /_synapse/admin to the
 * client readers.
 */
import { rawBody, type ClientApiContext } from '@lattice/client-api';
import { Router } from 'express';
import { requireServerAdmin } from './http/require-admin.js';
import { serverVersionRouter } from './routes/server-version.js';

export function adminRouter(ctx: ClientApiContext): Router {
  const admin = Router();
  admin.use(rawBody(ctx.config.max_request_body_size), requireServerAdmin(ctx));
  // One line per area; each area's routes live in their own module under routes/.
  admin.use(serverVersionRouter());
  const router = Router();
  router.use('/_synapse/admin', admin);
  return router;
}
