/**
 * The internal API through which other processes reach the federation sender
 * owning a destination (federation_sender_instances), via SenderWakeForwarder:
 *  - federation/wake: the destination just talked to us (federation-inbound):
 *    the sender ends its backoff and retries it now;
 *  - federation/queued: another process wrote the destination's outbox (a
 *    to-device message or device list update from a client reader, an event
 *    federation-inbound passes on): the sender sends it now, unless the
 *    destination is backing off. Without this call the sender's outbox sweep
 *    finds the row within its interval.
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
export const SENDER_QUEUED_PATH = 'federation/queued';

export interface SenderWakeArgs {
  destination: string;
}

export interface SenderWakeEndpointOptions {
  sender: Pick<FederationSender, 'wake' | 'sendQueued'>;
  hub: ReplicationHub;
  secret: string;
  logger: Logger;
}

export function senderWakeEndpoint(opts: SenderWakeEndpointOptions): Router {
  const router = express.Router();
  const actions: Record<string, (destination: string) => Promise<void> | void> = {
    // A destination of another instance (a config rollout) is cleared here, and its owner's sweep sends.
    [SENDER_WAKE_PATH]: (destination) => opts.sender.wake(destination),
    [SENDER_QUEUED_PATH]: (destination) => opts.sender.sendQueued(destination),
  };
  for (const [name, act] of Object.entries(actions)) {
    const path = `${INTERNAL_PREFIX}/${name}`;
    router.use(path, requestContext(opts.logger), requireInternalSecret(opts.secret), express.json());
    router.post(
      path,
      internalHandler<SenderWakeArgs, Record<string, never>>(
        opts.hub,
        0,
        async ({ destination }) => {
          if (typeof destination !== 'string' || destination.length === 0) throw Errors.missingParam('destination');
          await act(destination);
          return {};
        },
        () => ({}),
      ),
    );
    router.use(path, internalErrors(opts.logger));
  }
  return router;
}
