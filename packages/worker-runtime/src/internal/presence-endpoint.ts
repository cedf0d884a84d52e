/**
 * A presence writer's internal API: workers that do not keep a user's
 * presence (sync workers serving /sync with set_presence, the other presence
 * writers) forward it here, to the user's owner (presenceWriterFor). A
 * forwarded sync stays in progress until its caller ends it, or until a
 * lease runs out (a caller that died never ends it).
 */
import { randomUUID } from 'node:crypto';
import express, { type Router } from 'express';
import { requestContext } from '@lattice/client-api';
import { Errors, MatrixError, type Logger } from '@lattice/core';
import { isPresenceState, type PresenceService, type PresenceState } from '@lattice/presence';
import type { ReplicationHub, UserWritePositions, WritePositions } from '@lattice/replication';
import { presenceWriterFor } from '../topology/shard.js';
import { requireInternalSecret } from './internal-auth.js';
import { internalErrors, internalHandler } from './internal-handler.js';
import { INTERNAL_PREFIX } from './wire.js';

export interface PresenceEndpointOptions {
  presence: PresenceService;
  /** This instance's name and stream_writers.presence: a user another writer owns is refused. */
  instanceName: string;
  writers: readonly string[];
  hub: ReplicationHub;
  /** Read-your-writes positions: what the user's change (if any) produced, recorded by PresenceService. */
  userWrites: UserWritePositions;
  secret: string;
  logger: Logger;
  /** A forwarded sync not ended by then ends by itself (its caller died). Default 10 minutes. */
  syncLeaseMs?: number;
  catchUpTimeoutMs?: number;
}

export interface PresenceSyncArgs {
  userId: string;
  deviceId: string;
  setPresence?: PresenceState;
}

export interface PresenceSetArgs {
  userId: string;
  state: PresenceState;
  statusMsg: string | null;
}

const DEFAULT_SYNC_LEASE_MS = 10 * 60_000;
const DEFAULT_CATCH_UP_MS = 10_000;
const SYNC_ID = /^[0-9a-f-]{36}$/;

export function presenceEndpoint(opts: PresenceEndpointOptions): Router {
  const { presence, hub } = opts;
  const timeout = opts.catchUpTimeoutMs ?? DEFAULT_CATCH_UP_MS;
  const leaseMs = opts.syncLeaseMs ?? DEFAULT_SYNC_LEASE_MS;
  /** Forwarded syncs in progress: how to end each. */
  const syncs = new Map<string, { end: () => void; lease: NodeJS.Timeout }>();
  const endSync = (syncId: string): void => {
    const sync = syncs.get(syncId);
    if (!sync) return;
    syncs.delete(syncId);
    clearTimeout(sync.lease);
    sync.end();
  };
  // The user's latest write positions after the call (PresenceService records a change's before answering):
  // the caller waits for those, not for this writer's whole stream.
  const positionsOf = async (userId: string): Promise<WritePositions> => {
    const { presence: position } = await opts.userWrites.get(userId);
    return position === undefined ? {} : { presence: position };
  };

  /** The caller's topology differs from ours (a config rollout): never keep another writer's user (nor bounce it back). */
  const owned = (value: unknown): string => {
    const userId = requireString(value, 'userId');
    const owner = presenceWriterFor(userId, opts.writers);
    if (owner !== opts.instanceName) throw new MatrixError(503, 'M_UNKNOWN', `presence of ${userId} is kept by ${owner}`);
    return userId;
  };

  const router = express.Router();
  router.use(INTERNAL_PREFIX, requestContext(opts.logger), requireInternalSecret(opts.secret), express.json());
  router.post(
    `${INTERNAL_PREFIX}/presence/sync_started`,
    internalHandler<PresenceSyncArgs, { syncId: string; positions: WritePositions }>(
      hub,
      timeout,
      async (args) => {
        const userId = owned(args.userId);
        const deviceId = requireString(args.deviceId, 'deviceId');
        const end = await presence.syncStarted(userId, deviceId, optionalState(args.setPresence));
        const syncId = randomUUID();
        const lease = setTimeout(() => endSync(syncId), leaseMs);
        lease.unref();
        syncs.set(syncId, { end, lease });
        return { syncId, positions: await positionsOf(userId) };
      },
      (result) => result.positions,
    ),
  );
  router.post(
    `${INTERNAL_PREFIX}/presence/sync_ended`,
    internalHandler<{ syncId: string }, Record<string, never>>(
      hub,
      0,
      async (args) => {
        const syncId = requireString(args.syncId, 'syncId');
        if (!SYNC_ID.test(syncId)) throw Errors.invalidParam('syncId');
        endSync(syncId);
        return {};
      },
      () => ({}),
    ),
  );
  router.post(
    `${INTERNAL_PREFIX}/presence/set`,
    internalHandler<PresenceSetArgs, { positions: WritePositions }>(
      hub,
      timeout,
      async (args) => {
        const state = optionalState(args.state);
        if (!state) throw Errors.missingParam('state');
        const statusMsg = args.statusMsg === null || typeof args.statusMsg === 'string' ? args.statusMsg : null;
        const userId = owned(args.userId);
        await presence.set(userId, state, statusMsg);
        return { positions: await positionsOf(userId) };
      },
      (result) => result.positions,
    ),
  );
  router.use(INTERNAL_PREFIX, internalErrors(opts.logger));
  return router;
}

function requireString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0) throw Errors.missingParam(name);
  return value;
}

function optionalState(value: unknown): PresenceState | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isPresenceState(value)) throw Errors.invalidParam('presence state');
  return value;
}
