/**
 * M_UNRECOGNIZED answers (spec "Common error codes"): 404 for an endpoint we do
 * not implement, 405 for a known endpoint called with a method it lacks.
 */
import { Errors } from '@lattice/core';
import type { RequestHandler } from 'express';

/** Catch-all, mounted after every router. */
export const unrecognizedHandler: RequestHandler = (_req, _res, next) => {
  next(Errors.unrecognized('Unrecognized request', 404));
};

/**
 * Ends a route chain: `router.route(path).get(h).all(methodNotAllowed)`.
 * Advertises the route's methods in Allow, as HTTP requires for 405.
 */
export const methodNotAllowed: RequestHandler = (req, res, next) => {
  const methods = (req.route as { methods?: Record<string, boolean> } | undefined)?.methods ?? {};
  const allow = Object.keys(methods)
    .filter((m) => m !== '_all')
    .map((m) => m.toUpperCase());
  if (allow.length > 0) res.set('Allow', allow.join(', '));
  next(Errors.unrecognized('Unsupported method for this endpoint', 405));
};
