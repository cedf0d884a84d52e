/**
 * GET/POST /login (spec "Login", legacy API) with m.login.password. Unknown users,
 * wrong passwords and foreign user ids all get the same 403 after the same
 * amount of hashing work; a deactivated account is only revealed to someone who
 * knows its password.
 */
import { Errors, MatrixError } from '@lattice/core';
import { Router, type Request, type Response } from 'express';
import { localUserIdFromIdentifier } from '../accounts/localpart.js';
import { readSessionOptions, startSession } from '../accounts/sessions.js';
import type { ClientApiContext } from '../context.js';
import { verifyPassword } from '../crypto/password-hash.js';
import { objectBody } from '../http/body.js';
import { RateLimiter } from '../http/rate-limiter.js';
import { methodNotAllowed } from '../http/unrecognized.js';
import { optionalObject, optionalString, requireString } from '../http/validate.js';
import { findUserForLogin } from '../stores/users.js';
import { clientWellKnown } from './well-known.js';

const LOGIN_FLOWS = { flows: [{ type: 'm.login.password' }] };

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
  const perAddress = new RateLimiter(ctx.config.rc_login.address);
  const perAccount = new RateLimiter(ctx.config.rc_login.account);
  const failures = new RateLimiter(ctx.config.rc_login.failed_attempts);

  async function login(req: Request, res: Response): Promise<void> {
    perAddress.consume(req.ip ?? 'unknown');
    const body = objectBody(req);
    const type = requireString(body, 'type');
    if (type !== 'm.login.password') throw new MatrixError(400, 'M_UNKNOWN', `Unknown login type: ${type}`);
    const named = loginUser(body);
    const password = requireString(body, 'password');
    const session = readSessionOptions(body);

    const userId = localUserIdFromIdentifier(named, ctx.config.server_name);
    // Keyed by the name tried, so guessing at unknown accounts is limited too.
    const accountKey = (userId ?? named).toLowerCase();
    perAccount.consume(accountKey);
    const wait = failures.check(accountKey);
    if (wait > 0) throw Errors.limitExceeded(wait);
    const user = userId === undefined ? undefined : await findUserForLogin(ctx.db, userId);
    if (!(await verifyPassword(password, user?.passwordHash)) || !user) {
      failures.take(accountKey);
      throw badCredentials();
    }
    if (user.deactivated) throw Errors.userDeactivated();

    const issued = await ctx.db.transaction((tx) => startSession(tx, ctx.config, { userId: user.userId, ...session }));
    res.json({ user_id: user.userId, home_server: ctx.config.server_name, well_known: wellKnown, ...issued });
  }

  router
    .route('/login')
    .get((_req, res) => {
      res.json(LOGIN_FLOWS);
    })
    .post(login)
    .all(methodNotAllowed);
  return router;
}
