/**
 * The callee side of internal calls: each handler first waits (bounded) for
 * the positions the caller sent, so it acts on everything the caller (or its
 * user) already wrote, then answers with its result and the positions it
 * produced. Errors cross as InternalError bodies.
 */
import express from 'express';
import { Errors, MatrixError, type Logger } from '@lattice/core';
import type { ReplicationHub, WritePositions } from '@lattice/replication';
import type { InternalError, InternalRequest, InternalResponse } from './wire.js';

/** An express handler for one internal method: `produce` runs once the caller's positions are seen. */
export function internalHandler<A, R>(
  hub: ReplicationHub,
  catchUpTimeoutMs: number,
  produce: (args: A) => Promise<R>,
  positionsOf: (result: R) => WritePositions,
): express.RequestHandler {
  return async (req, res, next) => {
    try {
      const body = req.body as InternalRequest<A> | undefined;
      if (!body || typeof body !== 'object' || typeof body.args !== 'object' || body.args === null) {
        throw Errors.badJson('internal call: expected {positions, args}');
      }
      await hub.waitForPositions(sanitizePositions(body.positions), catchUpTimeoutMs);
      const result = await produce(body.args);
      res.json({ result, positions: positionsOf(result) } satisfies InternalResponse<R>);
    } catch (err) {
      next(err);
    }
  };
}

/** The error handler closing an internal router: MatrixErrors keep their status and errcode. */
export function internalErrors(logger: Logger): express.ErrorRequestHandler {
  return (err, _req, res, _next) => {
    const wire = loggedWireError(err, logger);
    res.status(wire.status).json(wire);
  };
}

/** toWireError, logging what the server got wrong (5xx) since its details do not cross the wire. */
export function loggedWireError(err: unknown, logger: Logger): InternalError {
  const wire = toWireError(err);
  if (wire.status >= 500) logger.error({ err }, 'internal call failed');
  return wire;
}

/** Only finite numbers per stream: anything else from the wire is dropped. */
function sanitizePositions(positions: unknown): WritePositions {
  const out: Record<string, number> = {};
  if (positions && typeof positions === 'object') {
    for (const [stream, p] of Object.entries(positions)) if (typeof p === 'number' && Number.isFinite(p)) out[stream] = p;
  }
  return out as WritePositions;
}

/** A thrown error as it crosses the wire: MatrixErrors as they are, anything else as a 500 that says nothing more. */
function toWireError(err: unknown): InternalError {
  if (err instanceof MatrixError) return { status: err.status, errcode: err.errcode, error: err.message, extra: err.extra };
  const status = (err as { status?: unknown }).status;
  // express.json's own errors (bad JSON, too large) carry a 4xx status.
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, errcode: status === 413 ? 'M_TOO_LARGE' : 'M_BAD_JSON', error: (err as Error).message };
  }
  return { status: 500, errcode: 'M_UNKNOWN', error: 'Internal server error' };
}
