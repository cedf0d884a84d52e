/**
 * The event persister's internal API (ARCHITECTURE.md §5 step 1): client
 * readers forward room creation and event sends here. Each call first waits
 * (bounded) for the positions the caller sent, so the persister acts on
 * everything the caller's user already wrote, then answers with the positions
 * the write produced.
 */
import express, { type Router } from 'express';
import { Errors, MatrixError, ROOM_VERSIONS, type Logger } from '@lattice/core';
import type { ReplicationHub, WritePositions } from '@lattice/replication';
import type { CreateRoomOptions, EventDraft, EventPersisterApi, SendResult, TxnKey } from '@lattice/rooms';
import { eventPersisterFor } from '../topology/shard.js';
import { requireInternalSecret } from './internal-auth.js';
import { INTERNAL_PREFIX, type InternalError, type InternalRequest, type InternalResponse } from './wire.js';

export interface PersisterEndpointOptions {
  persister: EventPersisterApi;
  hub: ReplicationHub;
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

const DEFAULT_CATCH_UP_MS = 10_000;

export function persisterEndpoint(opts: PersisterEndpointOptions): Router {
  const { persister, hub } = opts;
  const router = express.Router();
  router.use(INTERNAL_PREFIX, requireInternalSecret(opts.secret), express.json({ limit: opts.maxBodyBytes }));

  const call = <A, R>(produce: (args: A) => Promise<R>, positionsOf: (result: R) => WritePositions): express.RequestHandler =>
    async (req, res, next) => {
      try {
        const body = req.body as InternalRequest<A> | undefined;
        if (!body || typeof body !== 'object' || typeof body.args !== 'object' || body.args === null) {
          throw Errors.badJson('internal call: expected {positions, args}');
        }
        await hub.waitForPositions(sanitize(body.positions), opts.catchUpTimeoutMs ?? DEFAULT_CATCH_UP_MS);
        const result = await produce(body.args);
        res.json({ result, positions: positionsOf(result) } satisfies InternalResponse<R>);
      } catch (err) {
        next(err);
      }
    };

  router.post(
    `${INTERNAL_PREFIX}/persister/create_room`,
    call<CreateRoomOptions, { roomId: string; events: SendResult[] }>(
      (args) => {
        // The room version's rules are this process's own, looked up by id: never a wire copy of them.
        const version = ROOM_VERSIONS.get(String(args.version?.id));
        if (!version) throw new MatrixError(400, 'M_UNSUPPORTED_ROOM_VERSION', `unsupported room version ${String(args.version?.id)}`);
        return persister.createRoom({ ...args, version });
      },
      (result) => ({ events: Math.max(0, ...result.events.map((e) => e.streamOrdering)) }),
    ),
  );
  router.post(
    `${INTERNAL_PREFIX}/persister/create_event`,
    call<CreateEventArgs, SendResult>(
      (args) => {
        const owner = eventPersisterFor(String(args.draft?.room_id), opts.persisters);
        if (owner !== opts.instanceName) {
          // The caller's topology differs from ours (a config rollout in progress): never write another shard's room.
          throw new MatrixError(503, 'M_UNKNOWN', `room ${args.draft.room_id} belongs to event persister ${owner}`);
        }
        return persister.createEvent(args.draft, args.txn ? { txn: args.txn } : undefined);
      },
      (result) => ({ events: result.streamOrdering }),
    ),
  );
  router.use(INTERNAL_PREFIX, ((err, _req, res, _next) => {
    const wire = toWireError(err);
    if (wire.status >= 500) opts.logger.error({ err }, 'internal call failed');
    res.status(wire.status).json(wire);
  }) as express.ErrorRequestHandler);
  return router;
}

/** Only finite numbers per stream: anything else from the wire is dropped. */
function sanitize(positions: unknown): WritePositions {
  const out: Record<string, number> = {};
  if (positions && typeof positions === 'object') {
    for (const [stream, p] of Object.entries(positions)) if (typeof p === 'number' && Number.isFinite(p)) out[stream] = p;
  }
  return out as WritePositions;
}

function toWireError(err: unknown): InternalError {
  if (err instanceof MatrixError) return { status: err.status, errcode: err.errcode, error: err.message, extra: err.extra };
  const status = (err as { status?: unknown }).status;
  // express.json's own errors (bad JSON, too large) carry a 4xx status.
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, errcode: status === 413 ? 'M_TOO_LARGE' : 'M_BAD_JSON', error: (err as Error).message };
  }
  return { status: 500, errcode: 'M_UNKNOWN', error: 'Internal server error' };
}
