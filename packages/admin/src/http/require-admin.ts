/**
 * Every /_synapse/admin call: an access token of a server admin (403
 * M_FORBIDDEN "You are not a server admin" otherwise, as Synapse answers), and
 * one audit log line per call naming the admin, the method and the path.
 */
import { authenticate, type ClientApiContext } from '@lattice/client-api';
import { Errors } from '@lattice/core';
import type { Request, RequestHandler } from 'express';

export function requireServerAdmin(ctx: ClientApiContext): RequestHandler {
  return async (req, res, next) => {
    const requester = await authenticate(ctx, req);
    const { rows } = await ctx.db.query<{ admin: boolean }>('SELECT admin FROM users WHERE user_id = $1', [requester.userId]);
    if (rows[0]?.admin !== true) throw Errors.forbidden('You are not a server admin');
    req.requester = requester;
    res.once('finish', () => auditLog(ctx, req, requester.userId, res.statusCode));
    next();
  };
}

function auditLog(ctx: ClientApiContext, req: Request, admin: string, status: number): void {
  (req.log ?? ctx.logger).info({ audit: true, admin, method: req.method, path: req.originalUrl.split('?')[0], status }, 'admin API call');
}
