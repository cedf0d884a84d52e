/** The Client-Server API endpoints this package adds: ping (v1) and third-party lookups (r0/v3). */
import { CLIENT_API_PREFIXES, rawBody, type ClientApiContext } from '@lattice/client-api';
import { Router } from 'express';
import type { AppserviceRegistry } from '../registration/registry.js';
import { pingRouter } from './ping.js';
import { thirdPartyRouter } from './third-party.js';

export function appserviceClientRouter(ctx: ClientApiContext, registry: AppserviceRegistry): Router {
  const readBody = rawBody(ctx.config.max_request_body_size);
  const router = Router();
  router.use('/_matrix/client/v1', readBody, pingRouter(ctx, registry));
  router.use(CLIENT_API_PREFIXES, thirdPartyRouter(ctx, registry));
  return router;
}
