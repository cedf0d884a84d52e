import type { Request, RequestHandler } from 'express';
import type { Metrics } from '@lattice/core';

/**
 * Observes every request's duration once the response is finished, labelled by
 * the route template (`/_matrix/client/v3/profile/:userId`), never by the raw
 * path, so label cardinality stays bounded; "unmatched" when no route matched.
 */
export function httpMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    const template = routeTemplate(req);
    res.once('finish', () => {
      metrics.observeHttpRequest(req.method, template() ?? 'unmatched', res.statusCode, Number(process.hrtime.bigint() - start) / 1e9);
    });
    next();
  };
}

/**
 * The template of the route that handles the request, noted when the router
 * assigns req.route: by the time the response finishes, a thrown error has
 * taken the request back out of nested routers, and req.baseUrl no longer
 * holds their mount paths.
 */
function routeTemplate(req: Request): () => string | undefined {
  let route: unknown;
  let template: string | undefined;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set(value: unknown) {
      route = value;
      const path = (value as { path?: unknown } | undefined)?.path;
      if (typeof path === 'string') template = `${req.baseUrl}${path}`;
      else if (Array.isArray(path)) template = `${req.baseUrl}${path.join('|')}`;
    },
  });
  return () => template;
}
