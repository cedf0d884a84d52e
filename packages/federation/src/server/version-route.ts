/** GET /_matrix/federation/v1/version (version.yaml): no authentication required. */
import { VERSION } from '@lattice/core';
import { methodNotAllowed } from '@lattice/client-api';
import { Router } from 'express';

export function versionRoute(): Router {
  const router = Router();
  router
    .route('/_matrix/federation/v1/version')
    .get((_req, res) => {
      res.json({ server: { name: 'Lattice', version: VERSION } });
    })
    .all(methodNotAllowed);
  return router;
}
