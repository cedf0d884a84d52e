/**
 * Locked accounts (spec "Account locking"): a locked user cannot log in, and
 * their tokens get 401 M_USER_LOCKED with soft_logout on every endpoint but
 * the logout ones. Tokens are kept, so unlocking restores the sessions.
 */
import { MatrixError } from '@lattice/core';
import type { Request } from 'express';

const LOGOUT_PATH = /^\/_matrix\/client\/(?:r0|v3)\/logout(?:\/all)?\/?$/;

export function userLocked(): MatrixError {
  return new MatrixError(401, 'M_USER_LOCKED', 'This account has been locked', { soft_logout: true });
}

/** For an authenticated request of a locked user: only logging out is allowed. */
export function assertTokenUsableWhileLocked(req: Request): void {
  if (!LOGOUT_PATH.test(req.originalUrl.split('?', 1)[0]!)) throw userLocked();
}
