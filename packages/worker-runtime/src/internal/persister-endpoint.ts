/**
 * The event persister's internal API (ARCHITECTURE.md §5 step 1): client
 * readers forward room creation and event sends here. Each call first waits
 * (bounded) for the positions the caller sent, so the persister acts on
 * everything the caller's user already wrote, then answers with the positions
 * the write produced. A send's position is recorded as its sender's latest
 * write here (the sends of a group commit in one Redis write) and the answer
 * says so, which spares the client reader that write.
 */
import express, { type Router } from 'express';
import { requestContext } from '@lattice/client-api';
import { Errors, MatrixError, ROOM_VERSIONS, type Logger } from '@lattice/core';
import type { ReplicationHub, UserWritePositions } from '@lattice/replication';
import type { CreateRoomOptions, EventDraft, EventPersisterApi, SendResult, TxnKey } from '@lattice/rooms';
import { eventPersisterFor } from '../topology/shard.js';
import { requireInternalSecret } from './internal-auth.js';
import { internalErrors, internalHandler, loggedWireError } from './internal-handler.js';
import { MAX_SENDS_PER_BATCH } from './send-batcher.js';
import { INTERNAL_PREFIX, type InternalOutcome } from './wire.js';

export interface PersisterEndpointOptions {
  persister: EventPersisterApi;
  hub: ReplicationHub;
  /** Read-your-writes positions: each send's is recorded for its sender before the answer. */
  userWrites: UserWritePositions;
  /** This instance's name and the configured persisters: a send for a room another one owns is refused. */
  instanceName: string;
  persisters: readonly string[];
  secret: string;
  logger: Logger;
  maxBodyBytes: number;
  /** How long a call waits for the caller's positions before acting anyway. */
  catchUpTimeoutMs?: number;
}

export interface CreateEventArgs {
  draft: EventDraft;
  txn?: TxnKey;
}

/** A send's answer: its result, and that the sender's write position is recorded (read-your-writes). */
export type CreateEventAnswer = SendResult & { senderWriteRecorded?: boolean };

const DEFAULT_CATCH_UP_MS = 10_000;

export function persisterEndpoint(opts: PersisterEndpointOptions): Router {
  const { persister, hub } = opts;
  const router = express.Router();
  // The caller's request id (X-Request-Id) tags every line logged while the call is handled.
  router.use(INTERNAL_PREFIX, requestContext(opts.logger), requireInternalSecret(opts.secret), express.json({ limit: opts.maxBodyBytes }));

  const timeout = opts.catchUpTimeoutMs ?? DEFAULT_CATCH_UP_MS;

  router.post(
    `${INTERNAL_PREFIX}/persister/create_room`,
    internalHandler<CreateRoomOptions, { roomId: string; events: SendResult[] }>(
      hub,
      timeout,
      (args) => {
        // The room version's rules are this process's own, looked up by id: never a wire copy of them.
        const version = ROOM_VERSIONS.get(String(args.version?.id));
        if (!version) throw new MatrixError(400, 'M_UNSUPPORTED_ROOM_VERSION', `unsupported room version ${String(args.version?.id)}`);
        return persister.createRoom({ ...args, version });
      },
      (result) => ({ events: Math.max(0, ...result.events.map((e) => e.streamOrdering)) }),
    ),
  );
  const createEvent = async (args: CreateEventArgs): Promise<CreateEventAnswer> => {
    if (typeof args?.draft !== 'object' || args.draft === null) throw Errors.badJson('internal call: expected {draft, txn?}');
    const owner = eventPersisterFor(String(args.draft.room_id), opts.persisters);
    if (owner !== opts.instanceName) {
      // The caller's topology differs from ours (a config rollout in progress): never write another shard's room.
      throw new MatrixError(503, 'M_UNKNOWN', `room ${args.draft.room_id} belongs to event persister ${owner}`);
    }
    const recordSenderWrite = (sent: SendResult) => opts.userWrites.record(args.draft.sender, { events: sent.streamOrdering });
    // Recorded just before the event is announced, on the announcement's Redis connection (worker-services.ts):
    // Redis stores the record before any worker hears of the event, and the caller answers its client only
    // once it has heard of it, so the answer needs no round trip of its own for the record.
    const recordUnawaited = (sent: SendResult): Promise<void> => {
      recordSenderWrite(sent).catch((err: unknown) => opts.logger.warn({ err, sender: args.draft.sender }, 'could not record the sender\'s write position'));
      return Promise.resolve();
    };
    const result = await persister.createEvent(args.draft, { ...(args.txn ? { txn: args.txn } : {}), beforeAnnounce: recordUnawaited });
    if (result.deduplicated) await recordSenderWrite(result);
    return { ...result, senderWriteRecorded: true };
  };
  router.post(
    `${INTERNAL_PREFIX}/persister/create_event`,
    internalHandler<CreateEventArgs, CreateEventAnswer>(hub, timeout, createEvent, (result) => ({ events: result.streamOrdering })),
  );
  // A client reader's sends of one turn (send-batcher.ts): each succeeds or fails on its own, and the
  // group commit writes those of different rooms in one statement.
  router.post(
    `${INTERNAL_PREFIX}/persister/create_events`,
    internalHandler<{ items: CreateEventArgs[] }, Array<InternalOutcome<CreateEventAnswer>>>(
      hub,
      timeout,
      async ({ items }) => {
        if (!Array.isArray(items) || items.length === 0 || items.length > MAX_SENDS_PER_BATCH) {
          throw new MatrixError(400, 'M_BAD_JSON', `internal call: expected 1 to ${MAX_SENDS_PER_BATCH} items`);
        }
        const settled = await Promise.allSettled(items.map(createEvent));
        return settled.map((s) => (s.status === 'fulfilled' ? { result: s.value } : { error: loggedWireError(s.reason, opts.logger) }));
      },
      (outcomes) => ({ events: Math.max(0, ...outcomes.map((o) => ('result' in o ? o.result.streamOrdering : 0))) }),
    ),
  );
  router.use(INTERNAL_PREFIX, internalErrors(opts.logger));
  return router;
}
