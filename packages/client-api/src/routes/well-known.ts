/**
 * /.well-known/matrix/client (spec "Well-known URIs") and, when the operator
 * asks for it, /.well-known/matrix/server (server-server discovery).
 */
import { Router } from 'express';
import type { ClientApiContext } from '../context.js';
import { methodNotAllowed } from '../http/unrecognized.js';

export function clientWellKnown(config: ClientApiContext['config']): Record<string, unknown> {
  return config.well_known_client ?? { 'm.homeserver': { base_url: config.public_baseurl } };
}

/** `host:port` of public_baseurl, 443 unless the URL names a port (as Synapse serves it). */
export function serverWellKnown(config: ClientApiContext['config']): { 'm.server': string } {
  const url = new URL(config.public_baseurl);
  return { 'm.server': `${url.hostname}:${url.port || '443'}` };
}

export function wellKnownRouter(ctx: ClientApiContext): Router {
  const router = Router();
  const client = clientWellKnown(ctx.config);
  router
    .route('/.well-known/matrix/client')
    .get((_req, res) => {
      res.json(client);
    })
    .all(methodNotAllowed);
  if (ctx.config.serve_server_wellknown) {
    const server = serverWellKnown(ctx.config);
    router
      .route('/.well-known/matrix/server')
      .get((_req, res) => {
        res.json(server);
      })
      .all(methodNotAllowed);
  }
  return router;
}
