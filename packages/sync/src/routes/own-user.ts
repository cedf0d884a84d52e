import { Errors } from '@lattice/core';
import { requesterOf } from '@lattice/client-api';
import type { Request } from 'express';

/**
 * The requester, when the path's {userId} is the requester: filters, account
 * data, tags and typing are only ever one's own (403 M_FORBIDDEN otherwise).
 */
export function requireOwnUser(req: Request, pathUserId: string, what: string): { userId: string; deviceId: string } {
  const requester = requesterOf(req);
  if (requester.userId !== pathUserId) throw Errors.forbidden(`Cannot ${what} for other users`);
  return requester;
}
