/**
 * An express app for a listener that serves federation only (Synapse's
 * `resources: [{names: [federation]}]`, typically TLS on port 8448): request
 * context, the given routers (the federation router last), M_UNRECOGNIZED for
 * anything else, and the Matrix error handler.
 */
import type { Express, Router } from 'express';
import { apiApp, errorHandler, requestContext, unrecognizedHandler, type ApiAppOptions } from '@lattice/client-api';
import type { Logger } from '@lattice/core';

export function createFederationApp(logger: Logger, routers: readonly Router[], options: ApiAppOptions = {}): Express {
  const app = apiApp(options);
  app.use(requestContext(logger));
  for (const router of routers) app.use(router);
  app.use(unrecognizedHandler);
  app.use(errorHandler());
  return app;
}
