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
import { adminRoomsRouter } from './routes/rooms/admin-rooms-router.js';
import { usersRouter } from './routes/users/users-router.js';
import { registrationTokensRouter } from './routes/registration-tokens.js';
import { clientAdminRouter } from './routes/client-admin.js';
import { federationDestinationsRouter } from './routes/federation-destinations.js';
import { serverNoticesRouter } from './routes/server-notices.js';
import { ratelimitOverrideRouter } from './routes/ratelimit-override.js';
import { mediaAdminRouter } from './routes/media/media-admin-router.js';
import { eventReportsRouter } from './routes/event-reports.js';

export function adminRouter(ctx: ClientApiContext): Router {
  const admin = Router();
  admin.use(rawBody(ctx.config.max_request_body_size), requireServerAdmin(ctx));
  // One line per area; each area's routes live in their own module under routes/.
  admin.use(serverVersionRouter());
  admin.use(adminRoomsRouter(ctx));
  admin.use(usersRouter(ctx));
  admin.use(registrationTokensRouter(ctx));
  admin.use(federationDestinationsRouter(ctx));
  admin.use(serverNoticesRouter(ctx));
  admin.use(ratelimitOverrideRouter(ctx));
  admin.use(mediaAdminRouter(ctx));
  admin.use(eventReportsRouter(ctx));
  const router = Router();
  router.use('/_synapse/admin', admin);
  // The Client-Server API's admin endpoints (whois, account locking) check their own access.
  router.use(clientAdminRouter(ctx));
  return router;
}
