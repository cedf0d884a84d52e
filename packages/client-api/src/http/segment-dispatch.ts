/**
 * Mounts routers so that a request only walks the routers that can match it.
 * Express tries every layer of every router in turn; with the whole
 * Client-Server API mounted that is well over a hundred path matches per
 * request, a visible share of a message send. Each router's routes are read
 * once at start-up and indexed by their first path segment (`rooms`, `sync`,
 * `profile`, …); a request is handed, in the original order, to the routers
 * that have a route under its first segment plus those that cannot be indexed
 * (middleware for every path, a parameter as first segment).
 */
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';

interface LayerLike {
  route?: { path?: unknown };
  rawPath?: unknown;
  handle?: unknown;
}

/** The literal first segments `router` answers under, or undefined when it may answer anything. */
function firstSegments(router: Router): Set<string> | undefined {
  const segments = new Set<string>();
  for (const layer of router.stack as LayerLike[]) {
    const path = layer.route ? layer.route.path : layer.rawPath;
    if (typeof path !== 'string') return undefined;
    const nested = !layer.route && typeof layer.handle === 'function' && Array.isArray((layer.handle as { stack?: unknown }).stack);
    if (path === '/' || path === '') {
      // Middleware for every path, unless it is a router whose own routes can be indexed.
      const inner = nested ? firstSegments(layer.handle as Router) : undefined;
      if (!inner) return undefined;
      for (const s of inner) segments.add(s);
      continue;
    }
    const first = path.split('/')[1] ?? '';
    if (first === '' || /[:*(){}?+]/.test(first)) return undefined;
    segments.add(first);
  }
  return segments;
}

export function bySegment(routers: readonly Router[]): RequestHandler {
  const indexed = routers.map((router) => ({ router, segments: firstSegments(router) }));
  const plans = new Map<string, Router[]>();
  const unindexed = indexed.filter((r) => r.segments === undefined).map((r) => r.router);
  const planFor = (segment: string): Router[] => {
    let plan = plans.get(segment);
    if (!plan) {
      plan = indexed.filter((r) => r.segments === undefined || r.segments.has(segment)).map((r) => r.router);
      // Bound the map: unknown segments (scanners, typos) share the unindexed plan.
      if (plan.length > unindexed.length || plans.size < 1_000) plans.set(segment, plan);
    }
    return plan;
  };

  return (req: Request, res: Response, next: NextFunction) => {
    const plan = planFor(req.path.split('/')[1] ?? '');
    let i = 0;
    const step = (err?: unknown): void => {
      if (err !== undefined && err !== null && err !== 'route') return next(err);
      const router = plan[i++];
      if (!router) return next();
      router(req, res, step);
    };
    step();
  };
}
