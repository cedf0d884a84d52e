/**
 * The internal API through which a writer of the typing or presence stream
 * takes other servers' EDUs that federation-inbound received (EduForwarder):
 * they are applied by the very handlers of the single process, so the checks
 * (the origin speaks only for its own users, the user is in the room, the
 * room's server ACL) run here, where the stream is written. A presence entry
 * of a user another writer keeps is refused, as presence-endpoint does.
 */
import express, { type Router } from 'express';
import { requestContext, type ClientApiContext } from '@lattice/client-api';
import { Errors, MatrixError, type Logger } from '@lattice/core';
import { PRESENCE_EDU, TYPING_EDU, presenceEduHandler, typingEduHandler, type EduHandler } from '@lattice/federation';
import type { ReplicationHub } from '@lattice/replication';
import { presenceWriterFor } from '../topology/shard.js';
import { requireInternalSecret } from './internal-auth.js';
import { internalErrors, internalHandler } from './internal-handler.js';
import { INTERNAL_PREFIX } from './wire.js';

export interface ForwardedEduArgs {
  /** The server that sent the EDU (X-Matrix authenticated by federation-inbound). */
  origin: string;
  eduType: string;
  content: Record<string, unknown>;
}

export interface EduEndpointOptions {
  /** The EDU types this instance applies (writtenEduHandlers). */
  handlers: ReadonlyMap<string, EduHandler>;
  hub: ReplicationHub;
  secret: string;
  logger: Logger;
}

export function eduEndpoint(opts: EduEndpointOptions): Router {
  const router = express.Router();
  router.use(`${INTERNAL_PREFIX}/edus`, requestContext(opts.logger), requireInternalSecret(opts.secret), express.json());
  router.post(
    `${INTERNAL_PREFIX}/edus/apply`,
    internalHandler<ForwardedEduArgs, Record<string, never>>(
      opts.hub,
      0,
      async ({ origin, eduType, content }) => {
        if (typeof origin !== 'string' || origin.length === 0) throw Errors.missingParam('origin');
        if (typeof content !== 'object' || content === null || Array.isArray(content)) throw Errors.missingParam('content');
        const handler = typeof eduType === 'string' ? opts.handlers.get(eduType) : undefined;
        if (!handler) throw Errors.unrecognized(`this instance does not write what ${String(eduType)} EDUs change`, 400);
        await handler(origin, content);
        return {};
      },
      () => ({}),
    ),
  );
  router.use(`${INTERNAL_PREFIX}/edus`, internalErrors(opts.logger));
  return router;
}

/** The EDUs whose streams this instance writes: m.typing on the typing writer, m.presence on presence writers. */
export function writtenEduHandlers(ctx: ClientApiContext): Map<string, EduHandler> {
  const { config } = ctx;
  const name = config.worker_name!;
  const handlers = new Map<string, EduHandler>();
  if (config.stream_writers.typing.includes(name)) handlers.set(TYPING_EDU, typingEduHandler(ctx));
  if (ctx.rooms.hub.writes('presence')) handlers.set(PRESENCE_EDU, keptUsersOnly(presenceEduHandler(ctx), name, config.stream_writers.presence));
  return handlers;
}

/** The caller's topology differs from ours (a config rollout): never write the presence of a user another writer keeps. */
function keptUsersOnly(handler: EduHandler, instanceName: string, writers: readonly string[]): EduHandler {
  return async (origin, content) => {
    for (const entry of Array.isArray(content.push) ? (content.push as unknown[]) : []) {
      const userId = presenceEntryUser(entry);
      if (userId === undefined) continue;
      const owner = presenceWriterFor(userId, writers);
      if (owner !== instanceName) throw new MatrixError(503, 'M_UNKNOWN', `presence of ${userId} is kept by ${owner}`);
    }
    await handler(origin, content);
  };
}

/** The user of one entry of an m.presence EDU's `push` list, if it names one. */
export function presenceEntryUser(entry: unknown): string | undefined {
  const userId = (entry as { user_id?: unknown } | null)?.user_id;
  return typeof userId === 'string' ? userId : undefined;
}
