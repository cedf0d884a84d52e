/**
 * The internal API through which federation-inbound tells the federation
 * sender owning a destination (federation_sender_instances) that the
 * destination just talked to us (SenderWakeForwarder): the sender ends its
 * backoff and retries it now.
 */
import express, { type Router } from 'express';
import { requestContext } from '@lattice/client-api';
import { Errors, type Logger } from '@lattice/core';
import type { FederationSender } from '@lattice/federation';
import type { ReplicationHub } from '@lattice/replication';
import { requireInternalSecret } from './internal-auth.js';
import { internalErrors, internalHandler } from './internal-handler.js';
import { INTERNAL_PREFIX } from './wire.js';

export const SENDER_WAKE_PATH = 'federation/wake';

export interface SenderWakeArgs {
  destination: string;
}

export interface SenderWakeEndpointOptions {
  sender: Pick<FederationSender, 'wake'>;
  hub: ReplicationHub;
  secret: string;
  logger: Logger;
}

export function senderWakeEndpoint(opts: SenderWakeEndpointOptions): Router {
  const router = express.Router();
  const path = `${INTERNAL_PREFIX}/${SENDER_WAKE_PATH}`;
  router.use(path, requestContext(opts.logger), requireInternalSecret(opts.secret), express.json());
  router.post(
    path,
    internalHandler<SenderWakeArgs, Record<string, never>>(
      opts.hub,
      0,
      async ({ destination }) => {
        if (typeof destination !== 'string' || destination.length === 0) throw Errors.missingParam('destination');
        // A destination of another instance (a config rollout) is cleared here, and its owner's sweep sends.
        await opts.sender.wake(destination);
        return {};
      },
      () => ({}),
    ),
  );
  router.use(path, internalErrors(opts.logger));
  return router;
}
