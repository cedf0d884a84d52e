/**
 * An empty express app for a listener that answers API calls. No
 * X-Powered-By. No ETags: API responses are never conditional, and express
 * would hash every body (SHA-1) to make one; an internal call between
 * workers paid it on every answer.
 */
import express, { type Express } from 'express';

export function apiApp(): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  return app;
}
