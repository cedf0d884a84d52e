/**
 * Everything under /_matrix/federation and /_matrix/key: the key server and
 * notary and the version endpoint (no authentication), then X-Matrix
 * authentication for the rest of /_matrix/federation, the query endpoints,
 * the routers the rooms side adds, and M_UNRECOGNIZED for unknown paths.
 */
import { unrecognizedHandler } from '@lattice/client-api';
import { Router } from 'express';
import { keyRoutes } from './server/key-routes.js';
import { originOf, type FederationDeps } from './api.js';
import type { FederationTransport } from './server/federation-transport.js';
import { queryRoutes } from './server/query-routes.js';
import { versionRoute } from './server/version-route.js';
import { onBindRoute } from './rooms/third-party-invite-routes.js';
import { federationAuth } from './transport/inbound-auth.js';
import { federationRateLimit } from './transport/inbound-rate-limit.js';

export interface FederationRouterOptions {
  /** Told of the origin of every authenticated request (BackingOffOrigins: a server that talks to us is up). */
  heardFrom?: (origin: string) => void;
}

export function federationRouter(
  deps: FederationDeps & FederationTransport,
  extraRouters: readonly Router[] = [],
  options: FederationRouterOptions = {},
): Router {
  const { config } = deps.ctx;
  const maxBodyBytes = config.max_request_body_size;
  const router = Router();
  router.use(keyRoutes({ ownKeys: deps.ownKeys, signingKey: deps.signingKey, notary: deps.keyRing, maxBodyBytes }));
  router.use('/_matrix/key', unrecognizedHandler);
  router.use(versionRoute());
  // Identity servers call /3pid/onbind without X-Matrix: it is served before federation authentication.
  router.use(onBindRoute(deps, maxBodyBytes));

  const authenticated = Router();
  authenticated.use(federationAuth({ serverName: deps.serverName, keyRing: deps.keyRing, isAllowed: deps.isAllowed, maxBodyBytes }));
  const { heardFrom } = options;
  if (heardFrom) {
    authenticated.use((req, _res, next) => {
      heardFrom(originOf(req));
      next();
    });
  }
  authenticated.use(federationRateLimit(config.rc_federation));
  authenticated.use(queryRoutes(deps.ctx));
  for (const extra of extraRouters) authenticated.use(extra);
  authenticated.use(unrecognizedHandler);
  // Mounted without a path prefix so the routes inside see full paths, as the spec writes them.
  router.use((req, res, next) => {
    if (req.path === '/_matrix/federation' || req.path.startsWith('/_matrix/federation/')) authenticated(req, res, next);
    else next();
  });
  return router;
}
