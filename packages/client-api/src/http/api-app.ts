/**
 * An express app for a listener that answers API calls. No X-Powered-By. No
 * ETags: API responses are never conditional, and express would hash every
 * body (SHA-1) to make one; an internal call between workers paid it on every
 * answer.
 *
 * Its requests and responses are born with its prototypes when a listener
 * serves it (app-born-requests.ts). A listener is therefore ONE app, its
 * leading handlers (a worker's request metrics and health endpoints)
 * included, never an app mounted in another: express would give requests the
 * inner app's prototype, and with it a hidden class per request again.
 */
import express, { type Express, type RequestHandler } from 'express';
import { bornWithAppPrototypes } from './app-born-requests.js';

export interface ApiAppOptions {
  /** Trust X-Forwarded-* from a reverse proxy (a listener's x_forwarded). */
  trustProxy?: boolean;
  /** Handlers that run before any other. */
  leading?: readonly RequestHandler[];
}

export function apiApp(options: ApiAppOptions = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  bornWithAppPrototypes(app);
  app.set('trust proxy', options.trustProxy ?? false);
  for (const handler of options.leading ?? []) app.use(handler);
  return app;
}
