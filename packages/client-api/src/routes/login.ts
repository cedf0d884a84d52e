/**
 * GET/POST /login (spec "Login", legacy API) with m.login.password. Unknown users,
 * wrong passwords and foreign user ids all get the same 403 after the same
 * amount of hashing work; a deactivated account is only revealed to someone who
 * knows its password. m.login.token (when login_via_existing_session is on)
 * redeems a POST /login/get_token token, once.
 */
import { Errors, MatrixError } from '@lattice/core';
import { Router, type Request, type Response } from 'express';
import { localUserIdFromIdentifier } from '../accounts/localpart.js';
import { rehashAtConfiguredCost } from '../accounts/password-rehash.js';
import { readSessionOptions, startSession } from '../accounts/sessions.js';
import { revokingTokens } from '../accounts/token-revocation.js';
import type { ScriptRunner } from '@lattice/storage';
import type { ClientApiContext } from '../context.js';
import { passwordHashParams, verifyPassword } from '../crypto/password-hash.js';
import { hashToken } from '../crypto/tokens.js';
import { objectBody } from '../http/body.js';
import { enforceRateLimit, rateLimitWait, type RateLimitRequest } from '../ratelimit/rate-limits.js';
import { methodNotAllowed } from '../http/unrecognized.js';
import { optionalObject, optionalString, requireString } from '../http/validate.js';
import { consumeLoginToken } from '../stores/login-tokens.js';
import { findUserForLogin, getUser, type UserRecord } from '../stores/users.js';
import { userLocked } from '../accounts/locked-accounts.js';
import { clientWellKnown } from './well-known.js';

const LOGIN_FLOWS: { flows: Array<Record<string, unknown>> } = { flows: [{ type: 'm.login.password' }] };
const TOKEN_LOGIN = 'm.login.token';
const APPSERVICE_LOGIN = 'm.login.application_service';

const badCredentials = () => Errors.forbidden('Invalid username or password');

/** The user string a password login names, from `identifier` or the deprecated `user`. */
function loginUser(body: Record<string, unknown>): string {
  const identifier = optionalObject(body, 'identifier');
  if (identifier === undefined) {
    const user = optionalString(body, 'user');
    if (user !== undefined) return user;
    // Deprecated top-level medium/address: a third-party id, and we know none.
    if (body.medium !== undefined || body.address !== undefined) throw badCredentials();
    throw Errors.missingParam('identifier');
  }
  const type = requireString(identifier, 'type');
  if (type === 'm.id.user') return requireString(identifier, 'user');
  // No third-party ids or phone numbers are bound to accounts here: the spec's 403.
  if (type === 'm.id.thirdparty' || type === 'm.id.phone') throw badCredentials();
  throw new MatrixError(400, 'M_UNKNOWN', `Unknown identifier type: ${type}`);
}

export function loginRouter(ctx: ClientApiContext): Router {
  const router = Router();
  const wellKnown = clientWellKnown(ctx.config);
  const failures = (key: string, record: boolean): RateLimitRequest => ({
    name: 'rc_login.failed_attempts',
    limit: ctx.config.rc_login.failed_attempts,
    key,
    record,
  });
  // m.login.token exists here only to redeem POST /login/get_token tokens.
  const tokenLogin = ctx.config.login_via_existing_session.enabled;
  const loginFlows = tokenLogin ? { flows: [...LOGIN_FLOWS.flows, { type: TOKEN_LOGIN, get_login_token: true }] } : LOGIN_FLOWS;

  async function login(req: Request, res: Response): Promise<void> {
    await enforceRateLimit(ctx, { name: 'rc_login.address', limit: ctx.config.rc_login.address, key: req.ip ?? 'unknown' });
    const body = objectBody(req);
    const type = requireString(body, 'type');
    const session = readSessionOptions(body);
    let user: UserRecord;
    if (type === 'm.login.password') user = await passwordUser(body);
    else if (type === TOKEN_LOGIN && tokenLogin) user = await tokenUser(body);
    else if (type === APPSERVICE_LOGIN && ctx.appservices) user = await ctx.appservices.loginUser(req, loginUser(body));
    else throw new MatrixError(400, 'M_UNKNOWN', `Unknown login type: ${type}`);

    const start = (tx: ScriptRunner) => startSession(tx, ctx.config, { userId: user.userId, ...session });
    // Logging in on an existing device revokes the tokens it had.
    const issued = session.deviceId === undefined ? await ctx.db.transaction(start) : await revokingTokens(ctx, user.userId, start);
    res.json({ user_id: user.userId, home_server: ctx.config.server_name, well_known: wellKnown, ...issued });
  }

  /** The account a password login proves, or the (rate-limited) 403. */
  async function passwordUser(body: Record<string, unknown>): Promise<UserRecord> {
    const named = loginUser(body);
    const password = requireString(body, 'password');
    const userId = localUserIdFromIdentifier(named, ctx.config.server_name);
    // Keyed by the name tried, so guessing at unknown accounts is limited too.
    const accountKey = (userId ?? named).toLowerCase();
    await enforceRateLimit(ctx, { name: 'rc_login.account', limit: ctx.config.rc_login.account, key: accountKey });
    await enforceRateLimit(ctx, failures(accountKey, false));
    const user = userId === undefined ? undefined : await findUserForLogin(ctx.db, userId);
    if (!(await verifyPassword(password, user?.passwordHash, passwordHashParams(ctx.config))) || !user) {
      await rateLimitWait(ctx, failures(accountKey, true));
      throw badCredentials();
    }
    if (user.deactivated) throw Errors.userDeactivated();
    if (user.locked) throw userLocked();
    await rehashAtConfiguredCost(ctx, user, password);
    return user;
  }

  /** The account an m.login.token token was issued for; the token is used up either way. */
  async function tokenUser(body: Record<string, unknown>): Promise<UserRecord> {
    const userId = await consumeLoginToken(ctx.db, hashToken(requireString(body, 'token')));
    const user = userId === undefined ? undefined : await getUser(ctx.db, userId);
    if (!user) throw Errors.forbidden('Invalid login token');
    if (user.deactivated) throw Errors.userDeactivated();
    if (user.locked) throw userLocked();
    return user;
  }

  router
    .route('/login')
    .get((_req, res) => {
      res.json(ctx.appservices ? { flows: [...loginFlows.flows, { type: APPSERVICE_LOGIN }] } : loginFlows);
    })
    .post(login)
    .all(methodNotAllowed);
  return router;
}
