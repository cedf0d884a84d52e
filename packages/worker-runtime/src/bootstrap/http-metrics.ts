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
    recordRouteTemplates(Object.getPrototypeOf(req) as object);
    const templated = req as Templated;
    // Every request gains the same fields in the same order: one hidden class for all of them.
    templated[ROUTE] = undefined;
    templated[TEMPLATE] = undefined;
    res.once('finish', () => {
      metrics.observeHttpRequest(req.method, templated[TEMPLATE] ?? 'unmatched', res.statusCode, Number(process.hrtime.bigint() - start) / 1e9);
    });
    next();
  };
}

const ROUTE = Symbol('route');
const TEMPLATE = Symbol('route template');

interface Templated extends Request {
  [ROUTE]: unknown;
  [TEMPLATE]: string | undefined;
}

const instrumented = new WeakSet<object>();

/**
 * Notes the template of the route that handles a request when the router
 * assigns req.route: by the time the response finishes, a thrown error has
 * taken the request back out of nested routers, and req.baseUrl no longer
 * holds their mount paths. The accessor sits on the app's request prototype
 * (which mounted apps' prototypes inherit from), once: an accessor defined on
 * each request would give every request a hidden class of its own, and every
 * property access on it, all along the middleware chain, would miss V8's
 * inline caches.
 */
function recordRouteTemplates(proto: object): void {
  if (instrumented.has(proto)) return;
  instrumented.add(proto);
  Object.defineProperty(proto, 'route', {
    configurable: true,
    enumerable: true,
    get(this: Templated) {
      return this[ROUTE];
    },
    set(this: Templated, value: unknown) {
      this[ROUTE] = value;
      const path = (value as { path?: unknown } | undefined)?.path;
      if (typeof path === 'string') this[TEMPLATE] = `${this.baseUrl}${path}`;
      else if (Array.isArray(path)) this[TEMPLATE] = `${this.baseUrl}${path.join('|')}`;
    },
  });
}
