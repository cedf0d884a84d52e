/** GET /_matrix/client/versions (spec "API Versions"). */
import { Router } from 'express';
import { methodNotAllowed } from '../http/unrecognized.js';

/** Legacy r0 releases (we still serve the r0 paths) and every v1.x release Lattice implements. */
export const SUPPORTED_VERSIONS: readonly string[] = [
  'r0.0.1',
  'r0.1.0',
  'r0.2.0',
  'r0.3.0',
  'r0.4.0',
  'r0.5.0',
  'r0.6.0',
  'r0.6.1',
  ...Array.from({ length: 19 }, (_, i) => `v1.${i + 1}`),
];

/** Unstable (MSC) features this server supports; none yet. */
export const UNSTABLE_FEATURES: Readonly<Record<string, boolean>> = {};

export function versionsRouter(): Router {
  const router = Router();
  const body = { versions: SUPPORTED_VERSIONS, unstable_features: UNSTABLE_FEATURES };
  router
    .route('/_matrix/client/versions')
    .get((_req, res) => {
      res.json(body);
    })
    .all(methodNotAllowed);
  return router;
}
