/**
 * The one error handler: a MatrixError becomes its spec body and status; anything
 * else is logged and answered 500 M_UNKNOWN without internals.
 */
import { Errors, MatrixError } from '@lattice/core';
import type { ErrorRequestHandler } from 'express';
import './request-types.js';

/** Errors from express's own body parsers (if another router uses them) carry a `type`. */
function fromHttpError(err: unknown): MatrixError | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { type, status } = err as { type?: unknown; status?: unknown };
  if (type === 'entity.too.large') return Errors.tooLarge();
  if (type === 'entity.parse.failed') return Errors.notJson();
  if (typeof status === 'number' && status >= 400 && status < 500) return Errors.unknown('Bad request', status);
  return undefined;
}

export function errorHandler(): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    let matrixError = err instanceof MatrixError ? err : fromHttpError(err);
    if (!matrixError) {
      (req.log ?? console).error({ err }, 'unhandled error');
      matrixError = Errors.unknown();
    }
    res.status(matrixError.status).set(matrixError.headers).json(matrixError.toJSON());
  };
}
