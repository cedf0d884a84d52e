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
import { hashPassword } from '../crypto/password-hash.js';
import { generateLocalpart } from '../crypto/tokens.js';
import { objectBody } from '../http/body.js';
import { RateLimiter } from '../http/rate-limiter.js';
import { methodNotAllowed } from '../http/unrecognized.js';
import { optionalBoolean, optionalString } from '../http/validate.js';
import { createUser, userExists } from '../stores/users.js';
import { requireUserInteractiveAuth } from '../uia/user-interactive-auth.js';

const REGISTRATION_FLOWS = [['m.login.dummy']];

function assertRegistrationEnabled(ctx: ClientApiContext): void {
  if (!ctx.config.enable_registration) throw Errors.forbidden('Registration has been disabled');
}

/** The free localpart for a requested username, or the spec's error. */
async function availableLocalpart(ctx: ClientApiContext, username: string): Promise<string> {
  const localpart = normaliseLocalpart(username, ctx.config.server_name);
  if (localpart instanceof MatrixError) throw localpart;
  // The server notices user is created on first use: nobody may take its name first.
  if (localpart === ctx.config.server_notices?.system_mxid_localpart) throw Errors.userInUse();
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
  const passwordHash = await hashPassword(account.password);
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
  const perAddress = new RateLimiter(ctx.config.rc_registration);

  async function register(req: Request, res: Response): Promise<void> {
    const kind = req.query.kind ?? 'user';
    if (kind !== 'user' && kind !== 'guest') throw Errors.invalidParam("'kind' must be 'user' or 'guest'");
    const address = req.ip ?? 'unknown';
    const wait = perAddress.check(address);
    if (wait > 0) throw Errors.limitExceeded(wait);
    if (kind === 'guest') {
      // Guests need no registration policy but allow_guest_access, and no UIA (Synapse's behaviour).
      // "all parameters … with the exception of initial_device_display_name MUST BE ignored".
      const displayName = objectBody(req).initial_device_display_name;
      const guest = await registerGuest(ctx, { initialDisplayName: typeof displayName === 'string' ? displayName : undefined });
      perAddress.take(address);
      res.json(guest);
      return;
    }
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

    const uia = await requireUserInteractiveAuth(ctx, req, body, { flows: REGISTRATION_FLOWS, userId: null });
    if (password === undefined) throw Errors.missingParam('password');

    const account =
      guestUserId === undefined
        ? await registerAccount(ctx, { localpart, password, session: inhibitLogin ? undefined : session })
        : await upgradeGuest(ctx, guestUserId, password, inhibitLogin ? undefined : session);
    perAddress.take(address);
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
