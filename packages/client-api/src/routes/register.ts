/**
 * POST /register and GET /register/available (spec "Account registration").
 * Open registration uses UIA with the m.login.dummy stage; username problems are
 * reported before UIA starts, as the spec requires.
 */
import { Errors, MatrixError } from '@lattice/core';
import { Router, type Request, type Response } from 'express';
import { normaliseLocalpart, userIdOf } from '../accounts/localpart.js';
import { guestToUpgrade, registerGuest, upgradeGuest } from '../accounts/guests.js';
import { checkNewPassword } from '../accounts/password-policy.js';
import { readSessionOptions, startSession, type IssuedSession } from '../accounts/sessions.js';
import type { ClientApiContext } from '../context.js';
import { hashPassword, passwordHashParams } from '../crypto/password-hash.js';
import { generateLocalpart } from '../crypto/tokens.js';
import { objectBody } from '../http/body.js';
import { enforceRateLimit, rateLimitWait, type RateLimitRequest } from '../ratelimit/rate-limits.js';
import { methodNotAllowed } from '../http/unrecognized.js';
import { optionalBoolean, optionalString } from '../http/validate.js';
import { createUser, userExists } from '../stores/users.js';
import { completeRegistrationTokenUse } from '../stores/registration-tokens.js';
import { requireUserInteractiveAuth } from '../uia/user-interactive-auth.js';

/** With registration_requires_token, the token is the verification step (as Synapse offers it). */
function registrationFlows(ctx: ClientApiContext): string[][] {
  return ctx.config.registration_requires_token ? [['m.login.registration_token']] : [['m.login.dummy']];
}

function assertRegistrationEnabled(ctx: ClientApiContext): void {
  if (!ctx.config.enable_registration) throw Errors.forbidden('Registration has been disabled');
}

/** The free localpart for a requested username, or the spec's error. */
export async function availableLocalpart(ctx: ClientApiContext, username: string): Promise<string> {
  const localpart = normaliseLocalpart(username, ctx.config.server_name);
  if (localpart instanceof MatrixError) throw localpart;
  // The server notices user is created on first use: nobody may take its name first.
  if (localpart === ctx.config.server_notices?.system_mxid_localpart) throw Errors.userInUse();
  // Names in an appservice's exclusive namespace are the appservice's to register (400 M_EXCLUSIVE).
  ctx.appservices?.assertNotExclusive('user', userIdOf(localpart, ctx.config.server_name));
  if (await userExists(ctx.db, userIdOf(localpart, ctx.config.server_name))) throw Errors.userInUse();
  return localpart;
}

export interface RegisteredAccount extends Partial<IssuedSession> {
  user_id: string;
  home_server: string;
}

/**
 * Creates the account (and, unless `inhibitLogin`, its first device and tokens) in one
 * transaction. With no localpart, one is generated. M_USER_IN_USE if the localpart is taken.
 */
export async function registerAccount(
  ctx: ClientApiContext,
  account: {
    localpart?: string;
    password: string;
    admin?: boolean;
    userType?: string | null;
    displayname?: string | null;
    session?: { deviceId?: string; initialDisplayName?: string; refreshable: boolean };
  },
): Promise<RegisteredAccount> {
  const passwordHash = await hashPassword(account.password, passwordHashParams(ctx.config));
  const server = ctx.config.server_name;
  for (;;) {
    const localpart = account.localpart ?? generateLocalpart();
    const userId = userIdOf(localpart, server);
    const result = await ctx.db.transaction(async (tx) => {
      const created = await createUser(tx, {
        userId,
        passwordHash,
        admin: account.admin,
        userType: account.userType,
        displayname: account.displayname ?? localpart,
      });
      if (!created) return undefined;
      const session = account.session && (await startSession(tx, ctx.config, { userId, ...account.session }));
      return { user_id: userId, home_server: server, ...session };
    });
    if (result) return result;
    if (account.localpart !== undefined) throw Errors.userInUse();
  }
}

export function registerRouter(ctx: ClientApiContext): Router {
  const router = Router();
  // Counts accounts created per address; refused attempts and UIA round trips are free.
  const perAddress = (key: string, record: boolean): RateLimitRequest => ({ name: 'rc_registration', limit: ctx.config.rc_registration, key, record });

  async function register(req: Request, res: Response): Promise<void> {
    const kind = req.query.kind ?? 'user';
    if (kind !== 'user' && kind !== 'guest') throw Errors.invalidParam("'kind' must be 'user' or 'guest'");
    const address = req.ip ?? 'unknown';
    await enforceRateLimit(ctx, perAddress(address, false));
    if (kind === 'guest') {
      // Guests need no registration policy but allow_guest_access, and no UIA (Synapse's behaviour).
      // "all parameters … with the exception of initial_device_display_name MUST BE ignored".
      const displayName = objectBody(req).initial_device_display_name;
      const guest = await registerGuest(ctx, { initialDisplayName: typeof displayName === 'string' ? displayName : undefined });
      await rateLimitWait(ctx, perAddress(address, true));
      res.json(guest);
      return;
    }
    // Appservices register their users with their as_token, whatever the registration policy.
    if (ctx.appservices && objectBody(req).type === 'm.login.application_service') return ctx.appservices.register(req, res);
    assertRegistrationEnabled(ctx);

    const body = objectBody(req);
    const username = optionalString(body, 'username');
    const password = optionalString(body, 'password');
    const guestAccessToken = optionalString(body, 'guest_access_token');
    const inhibitLogin = optionalBoolean(body, 'inhibit_login') ?? false;
    const session = readSessionOptions(body);
    const guestUserId = guestAccessToken === undefined ? undefined : await guestToUpgrade(ctx, guestAccessToken, username);
    const localpart = username === undefined || guestUserId !== undefined ? undefined : await availableLocalpart(ctx, username);
    if (password !== undefined) checkNewPassword(ctx.config, password);

    const uia = await requireUserInteractiveAuth(ctx, req, body, { flows: registrationFlows(ctx), userId: null });
    if (password === undefined) throw Errors.missingParam('password');

    const account =
      guestUserId === undefined
        ? await registerAccount(ctx, { localpart, password, session: inhibitLogin ? undefined : session })
        : await upgradeGuest(ctx, guestUserId, password, inhibitLogin ? undefined : session);
    await rateLimitWait(ctx, perAddress(address, true));
    await completeRegistrationTokenUse(ctx.db, uia.sessionId);
    await uia.finish();
    res.json(account);
  }

  async function available(req: Request, res: Response): Promise<void> {
    assertRegistrationEnabled(ctx);
    const username = req.query.username;
    if (typeof username !== 'string') throw Errors.missingParam('username');
    await availableLocalpart(ctx, username);
    res.json({ available: true });
  }

  router.route('/register').post(register).all(methodNotAllowed);
  router.route('/register/available').get(available).all(methodNotAllowed);
  return router;
}
