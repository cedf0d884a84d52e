/**
 * POST /_matrix/client/v1/appservice/{appserviceId}/ping (appservice_ping.yaml):
 * the appservice asks this server to call its /_matrix/app/v1/ping, to check
 * the connection works both ways. Only the appservice itself may ask.
 */
import { Errors, MatrixError, OutboundError } from '@lattice/core';
import { methodNotAllowed, objectBody, optionalString, requesterOf, requireAuth, type ClientApiContext } from '@lattice/client-api';
import { Router, type Request, type Response } from 'express';
import { AppserviceStatusError, callAppservice } from '../outbound/appservice-client.js';
import type { AppserviceRegistry } from '../registration/registry.js';

const PING_TIMEOUT_MS = 15_000;

export function pingRouter(ctx: ClientApiContext, registry: AppserviceRegistry): Router {
  const router = Router();

  async function ping(req: Request<{ appserviceId: string }>, res: Response): Promise<void> {
    const requester = requesterOf(req);
    const as = registry.byId(req.params.appserviceId);
    if (as === undefined || requester.appserviceId !== as.id) {
      throw Errors.forbidden("Provided access token is not the appservice's as_token");
    }
    const transactionId = optionalString(objectBody(req), 'transaction_id');
    if (as.registration.url === null) throw new MatrixError(400, 'M_URL_NOT_SET', "Application service doesn't have a URL configured");
    const started = performance.now();
    try {
      await callAppservice(as, {
        method: 'POST',
        path: '/_matrix/app/v1/ping',
        body: transactionId === undefined ? {} : { transaction_id: transactionId },
        timeoutMs: PING_TIMEOUT_MS,
      });
    } catch (err) {
      throw pingError(err);
    }
    res.json({ duration_ms: Math.round(performance.now() - started) });
  }

  router.route('/appservice/:appserviceId/ping').post(requireAuth(ctx), ping).all(methodNotAllowed);
  return router;
}

function pingError(err: unknown): MatrixError {
  if (err instanceof AppserviceStatusError) {
    return new MatrixError(502, 'M_BAD_STATUS', `Ping returned status ${err.status}`, { status: err.status, body: err.body });
  }
  if (err instanceof OutboundError && err.reason === 'timeout') {
    return new MatrixError(504, 'M_CONNECTION_TIMEOUT', 'Connection to application service timed out');
  }
  return new MatrixError(502, 'M_CONNECTION_FAILED', 'Connection to application service failed');
}
