/** GET /_synapse/admin/v1/server_version (Synapse's shape). */
import { Router } from 'express';
import { VERSION } from '@lattice/core';

export function serverVersionRouter(): Router {
  const router = Router();
  router.get('/v1/server_version', (_req, res) => {
    res.json({ server_version: `Lattice ${VERSION}` });
  });
  return router;
}
