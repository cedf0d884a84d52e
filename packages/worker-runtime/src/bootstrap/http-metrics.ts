import type { RequestHandler } from 'express';
import type { Metrics } from '@lattice/core';

/**
 * Observes every request's duration once the response is finished, labelled by
 * the route template (`/_matrix/client/v3/profile/:userId`), never by the raw
 * path, so label cardinality stays bounded.
 */
export function httpMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    res.once('finish', () => {
      const route = (req.route as { path?: unknown } | undefined)?.path;
      const template = typeof route === 'string' ? `${req.baseUrl}${route}` : 'unmatched';
      metrics.observeHttpRequest(req.method, template, res.statusCode, Number(process.hrtime.bigint() - start) / 1e9);
    });
    next();
  };
}
