import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { Errors } from '@lattice/core';

/** The header internal calls carry: `Authorization: Bearer <worker_replication_secret>`. */
export function internalAuthHeader(secret: string): Record<string, string> {
  return { authorization: `Bearer ${secret}` };
}

/**
 * Guards the internal listener: only callers holding worker_replication_secret
 * (the other instances of this deployment) get through; everyone else 403.
 */
export function requireInternalSecret(secret: string): RequestHandler {
  const expected = Buffer.from(`Bearer ${secret}`);
  return (req, _res, next) => {
    const given = Buffer.from(req.get('authorization') ?? '');
    if (given.length === expected.length && timingSafeEqual(given, expected)) next();
    else next(Errors.forbidden('Internal API: missing or wrong worker_replication_secret'));
  };
}
