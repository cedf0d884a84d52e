/**
 * POST /login with `type: m.login.application_service` (spec "Appservice
 * Login"): the as_token authenticates the request; the user must be in the
 * appservice's namespace (400 M_EXCLUSIVE) and registered (403 M_FORBIDDEN),
 * as must the token (403 M_FORBIDDEN). The appservice gets a token scoped to one user.
 */
import { Errors, MatrixError, serverNameOf } from '@lattice/core';
import { accessTokenOf, getUser, hashToken, userIdOf, type UserRecord } from '@lattice/client-api';
import type { Queryable } from '@lattice/storage';
import type { Request } from 'express';
import type { AppserviceRegistry } from '../registration/registry.js';

export async function appserviceLoginUser(db: Queryable, serverName: string, registry: AppserviceRegistry, req: Request, user: string): Promise<UserRecord> {
  const token = accessTokenOf(req);
  const as = token === undefined ? undefined : registry.byAsTokenHash(hashToken(token));
  if (as === undefined) throw Errors.forbidden('Appservice login needs an application service token');
  const userId = user.startsWith('@') ? user : userIdOf(user.toLowerCase(), serverName);
  if (serverNameOf(userId) !== serverName || !as.ownsUser(userId)) {
    throw new MatrixError(400, 'M_EXCLUSIVE', "The user is not in the application service's namespace.");
  }
  const record = await getUser(db, userId);
  if (record === undefined) throw Errors.forbidden('The user has not been registered.');
  if (record.deactivated) throw Errors.userDeactivated();
  return record;
}
