/**
 * An event persister's internal API for federated events (ARCHITECTURE.md §5,
 * "Federated events"): federation-inbound workers and client readers (remote
 * joins, backfill) hand the events of a room to the persister owning it, which
 * writes them on the room's queue like its own sends. A room another persister
 * owns is refused, so no two processes ever write one room.
 */
import express, { type Router } from 'express';
import { MatrixError, type Logger } from '@lattice/core';
import { requestContext } from '@lattice/client-api';
import type { ReplicationHub } from '@lattice/replication';
import type { RemoteEventsApi } from '@lattice/rooms';
import { eventPersisterFor } from '../topology/shard.js';
import { requireInternalSecret } from './internal-auth.js';
import { internalErrors, internalHandler } from './internal-handler.js';
import { fromWireIncoming, versionById, type AcceptArgs, type JoinArgs, type MembershipOutlierArgs, type OutliersArgs } from './remote-events-wire.js';
import { INTERNAL_PREFIX } from './wire.js';

export interface RemoteEventsEndpointOptions {
  remote: RemoteEventsApi;
  hub: ReplicationHub;
  instanceName: string;
  persisters: readonly string[];
  secret: string;
  logger: Logger;
  catchUpTimeoutMs?: number;
}

/** A send_join answer of a room with tens of thousands of members is tens of megabytes of JSON. */
const MAX_BODY = '256mb';
const DEFAULT_CATCH_UP_MS = 10_000;

export function remoteEventsEndpoint(opts: RemoteEventsEndpointOptions): Router {
  const { remote, hub } = opts;
  const timeout = opts.catchUpTimeoutMs ?? DEFAULT_CATCH_UP_MS;
  const owned = (roomId: unknown): string => {
    const id = String(roomId);
    const owner = eventPersisterFor(id, opts.persisters);
    // The caller's topology differs from ours (a config rollout in progress): never write another shard's room.
    if (owner !== opts.instanceName) throw new MatrixError(503, 'M_UNKNOWN', `room ${id} belongs to event persister ${owner}`);
    return id;
  };
  const route = <A, R>(method: string, produce: (args: A) => Promise<R>, positionsOf: (result: R) => Record<string, number> = () => ({})) =>
    router.post(`${INTERNAL_PREFIX}/remote_events/${method}`, internalHandler<A, R>(hub, timeout, produce, positionsOf));

  const router = express.Router();
  router.use(`${INTERNAL_PREFIX}/remote_events`, requestContext(opts.logger), requireInternalSecret(opts.secret), express.json({ limit: MAX_BODY }));
  route<AcceptArgs, unknown>('accept', (a) => remote.acceptEvents(owned(a.roomId), fromWireIncoming(a.incoming)));
  route<AcceptArgs, unknown>('backfill', (a) => remote.backfillEvents(owned(a.roomId), fromWireIncoming(a.incoming)));
  route<OutliersArgs, unknown>('outliers', (a) => remote.storeOutliers(owned(a.roomId), a.events, versionById(a.version)));
  route<MembershipOutlierArgs, unknown>('membership_outlier', (a) => {
    owned(a.event?.room_id);
    return remote.storeLocalMembershipOutlier(a.event, versionById(a.version));
  });
  route<JoinArgs, { streamOrdering: number }>(
    'join',
    (a) => {
      owned(a.join?.room_id);
      return remote.joinRoom({ version: versionById(a.version), join: a.join, state: a.state, authChain: a.authChain });
    },
    (result) => ({ events: result.streamOrdering }),
  );
  router.use(`${INTERNAL_PREFIX}/remote_events`, internalErrors(opts.logger));
  return router;
}
