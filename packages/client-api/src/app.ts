/**
 * A complete express app for the Client-Server API, in the order the pieces must
 * run: request context, CORS (answers OPTIONS), routes, M_UNRECOGNIZED catch-all,
 * error handler. Apps that mount other routers beside it (federation, media)
 * compose the same pieces themselves.
 */
import type { Express, Router } from 'express';
import type { ClientApiContext } from './context.js';
import { apiApp, type ApiAppOptions } from './http/api-app.js';
import { cors } from './http/cors.js';
import { errorHandler } from './http/error-handler.js';
import { requestContext } from './http/request-context.js';
import { unrecognizedHandler } from './http/unrecognized.js';
import { createClientApiRouter } from './router.js';

export interface ClientApiAppOptions extends ApiAppOptions {
  /** Further routers mounted after the client API and before the catch-all. */
  routers?: Router[];
}

export function createClientApiApp(ctx: ClientApiContext, options: ClientApiAppOptions = {}): Express {
  const app = apiApp(options);
  app.use(requestContext(ctx.logger));
  app.use(cors());
  app.use(createClientApiRouter(ctx));
  for (const router of options.routers ?? []) app.use(router);
  app.use(unrecognizedHandler);
  app.use(errorHandler());
  return app;
}
