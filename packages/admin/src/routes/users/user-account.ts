/**
 * GET and PUT /_synapse/admin/v2/users/<user_id> (Synapse's "Query User
 * Account" and "Create or modify account"): PUT creates the account (201) or
 * changes the fields given (200), and answers with the account either way.
 * Every check runs before the first write, so a refused request changes nothing.
 */
import {
  changeAccountPassword,
  checkNewPassword,
  createUser,
  deactivateAccount,
  getProfile,
  getUser,
  hashPassword,
  normaliseLocalpart,
  objectBody,
  passwordHashParams,
  propagateProfile,
  requesterOf,
  revokingTokens,
  setProfileField,
  type ClientApiContext,
  type UserRecord,
} from '@lattice/client-api';
import { Errors, MatrixError } from '@lattice/core';
import { Router, type Request, type Response } from 'express';
import { assertPasswordsEnabled } from '../../http/password-setting.js';
import { existingLocalUser, localUserId } from '../../http/target-user.js';
import { userDetails } from '../../stores/admin-users.js';
import { setUserFlags } from '../../stores/user-flags.js';
import { parseUserChange, type UserChange } from './user-body.js';

type UserParams = { userId: string };

async function changeProfile(ctx: ClientApiContext, user: UserRecord, change: UserChange): Promise<void> {
  const { userId } = user;
  if (change.displayname === undefined && change.avatarUrl === undefined) return;
  if (change.displayname !== undefined) await setProfileField(ctx.db, userId, 'displayname', change.displayname);
  if (change.avatarUrl !== undefined) await setProfileField(ctx.db, userId, 'avatar_url', change.avatarUrl);
  const profile = await getProfile(ctx.db, userId);
  // The member events of the rooms the user is in follow, as for the user's own profile changes.
  if (profile && !user.deactivated) await propagateProfile(ctx, userId, profile);
}

/** Applies a checked change to an existing account. */
async function modifyUser(ctx: ClientApiContext, adminId: string, user: UserRecord, change: UserChange): Promise<void> {
  const { userId } = user;
  if (userId === adminId && change.admin === false) throw Errors.invalidParam('You may not demote yourself.');
  if (change.password !== undefined) checkNewPassword(ctx.config, change.password);
  const reactivating = change.deactivated === false && user.deactivated;
  // As in Synapse: an account comes back only with a new password.
  if (reactivating && change.password === undefined) throw Errors.invalidParam('Must provide a password to re-activate an account.');
  // A flag change reaches the token caches of every replica (locked and shadow-banned tokens behave differently).
  await revokingTokens(ctx, userId, (tx) =>
    setUserFlags(tx, userId, { admin: change.admin, locked: change.locked, userType: change.userType, deactivated: reactivating ? false : undefined }),
  );
  if (change.password !== undefined) await changeAccountPassword(ctx, userId, change.password, { logoutDevices: change.logoutDevices });
  await changeProfile(ctx, { ...user, deactivated: user.deactivated && !reactivating }, change);
  if (change.deactivated === true && !user.deactivated) await deactivateAccount(ctx, userId, { erase: false });
}

/** Creates the account; undefined when it appeared meanwhile (the caller then modifies it). */
async function createAccount(ctx: ClientApiContext, userId: string, change: UserChange): Promise<UserRecord | undefined> {
  const localpart = userId.slice(1, userId.indexOf(':'));
  const normalised = normaliseLocalpart(localpart, ctx.config.server_name);
  if (normalised instanceof MatrixError) throw normalised;
  if (normalised !== localpart) throw Errors.invalidUsername('User ID can only contain lower-case characters');
  if (change.password !== undefined) checkNewPassword(ctx.config, change.password);
  const passwordHash = change.password === undefined ? null : await hashPassword(change.password, passwordHashParams(ctx.config));
  const created = await createUser(ctx.db, { userId, passwordHash, displayname: localpart });
  return created ? getUser(ctx.db, userId) : undefined;
}

export function userAccountRouter(ctx: ClientApiContext): Router {
  const router = Router();

  async function show(req: Request<UserParams>, res: Response): Promise<void> {
    const user = await existingLocalUser(ctx, req.params.userId);
    res.json(await userDetails(ctx.db, user.userId));
  }

  async function put(req: Request<UserParams>, res: Response): Promise<void> {
    const adminId = requesterOf(req).userId;
    const userId = localUserId(ctx, req.params.userId, 'This endpoint can only be used with local users');
    const change = parseUserChange(objectBody(req));
    if (change.password !== undefined) assertPasswordsEnabled(ctx);
    const existing = await getUser(ctx.db, userId);
    const created = existing ? undefined : await createAccount(ctx, userId, change);
    if (created) {
      // The password went in with the account; the other fields apply as to any account.
      await modifyUser(ctx, adminId, created, { ...change, password: undefined });
    } else {
      const user = existing ?? (await getUser(ctx.db, userId));
      await modifyUser(ctx, adminId, user!, change);
    }
    res.status(created ? 201 : 200).json(await userDetails(ctx.db, userId));
  }

  router.get('/v2/users/:userId', show);
  router.put('/v2/users/:userId', put);
  return router;
}
