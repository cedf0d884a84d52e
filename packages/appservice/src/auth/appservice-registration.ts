/**
 * POST /register with `type: m.login.application_service` (spec "Appservice
 * Login"/"Server admin style registration"): the as_token authenticates, the
 * user must be in the appservice's users namespace (400 M_EXCLUSIVE
 * otherwise, as Synapse answers), no UIA and no enable_registration needed;
 * `inhibit_login` skips the device and tokens. Appservice users have no password.
 */
import { Errors, MatrixError } from '@lattice/core';
import {
  accessTokenOf,
  createUser,
  hashToken,
  objectBody,
  optionalBoolean,
  optionalString,
  readSessionOptions,
  startSession,
  userIdOf,
  type ClientApiContext,
} from '@lattice/client-api';
import type { Request, Response } from 'express';
import type { AppserviceRegistry } from '../registration/registry.js';

/** The user id grammar (appendices "User Identifiers"); appservices may use the '_' prefix ordinary users may not. */
const LOCALPART = /^[a-z0-9._=\-/+]+$/;
const MAX_USER_ID_BYTES = 255;

export async function registerAppserviceUser(ctx: Pick<ClientApiContext, 'config' | 'db'>, registry: AppserviceRegistry, req: Request, res: Response): Promise<void> {
  const token = accessTokenOf(req);
  if (token === undefined) throw Errors.missingToken();
  const as = registry.byAsTokenHash(hashToken(token));
  if (as === undefined) throw Errors.unknownToken(false, 'Invalid application service token');
  const body = objectBody(req);
  const username = optionalString(body, 'username');
  if (username === undefined) throw Errors.missingParam('username');
  const localpart = username.toLowerCase();
  if (!LOCALPART.test(localpart)) throw Errors.invalidUsername("User ID can only contain characters a-z, 0-9, or '=_-./+'");
  const userId = userIdOf(localpart, ctx.config.server_name);
  if (Buffer.byteLength(userId, 'utf8') > MAX_USER_ID_BYTES) throw Errors.invalidUsername('User ID is too long');
  const owner = registry.exclusiveUserOwner(userId);
  if (!as.ownsUser(userId) || (owner !== undefined && owner !== as)) {
    throw new MatrixError(400, 'M_EXCLUSIVE', 'Invalid user localpart for this application service.');
  }
  const inhibitLogin = optionalBoolean(body, 'inhibit_login') ?? false;
  const session = readSessionOptions(body);
  const account = await ctx.db.transaction(async (tx) => {
    if (!(await createUser(tx, { userId, appserviceId: as.id, displayname: localpart }))) return undefined;
    const issued = inhibitLogin ? {} : await startSession(tx, ctx.config, { userId, ...session });
    return { user_id: userId, home_server: ctx.config.server_name, ...issued };
  });
  if (account === undefined) throw Errors.userInUse();
  res.json(account);
}
