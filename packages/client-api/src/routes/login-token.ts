/**
 * POST /_matrix/client/v1/login/get_token (login_token.yaml): an authenticated
 * user mints a single-use, short-lived m.login.token token for a new device.
 * Synapse's `login_via_existing_session` governs it: off by default; with
 * require_ui_auth the user re-enters their password every time (the spec:
 * servers MUST always re-prompt), and at most one token a minute is issued per
 * user, as the spec encourages.
 */
import { Router, type Request, type Response } from 'express';
import type { ClientApiContext } from '../context.js';
import { generateSecretId, hashToken } from '../crypto/tokens.js';
import { requesterOf, requireAuth } from '../http/auth.js';
import { objectBody } from '../http/body.js';
import { enforceRateLimit, rateLimitWait, type RateLimitRequest } from '../ratelimit/rate-limits.js';
import { methodNotAllowed } from '../http/unrecognized.js';
import { insertLoginToken } from '../stores/login-tokens.js';
import { passwordReauth } from '../uia/policies.js';
import { requireUserInteractiveAuth } from '../uia/user-interactive-auth.js';

const TOKENS_PER_USER = { per_second: 1 / 60, burst_count: 1 };

export function loginTokenRouter(ctx: ClientApiContext): Router {
  const router = Router();
  const settings = ctx.config.login_via_existing_session;
  // Disabled: the endpoint does not exist (M_UNRECOGNIZED from the catch-all).
  if (!settings.enabled) return router;
  const perUser = (key: string, record: boolean): RateLimitRequest => ({ name: 'login_token', limit: TOKENS_PER_USER, key, record });

  async function getToken(req: Request, res: Response): Promise<void> {
    const { userId } = requesterOf(req);
    const body = objectBody(req);
    await enforceRateLimit(ctx, perUser(userId, false));
    const uia = settings.require_ui_auth ? await requireUserInteractiveAuth(ctx, req, body, passwordReauth(userId)) : undefined;
    const token = `latl_${generateSecretId(32)}`;
    const expiresIn = settings.token_timeout;
    await insertLoginToken(ctx.db, { hash: hashToken(token), userId, expiresTs: Date.now() + expiresIn });
    await rateLimitWait(ctx, perUser(userId, true));
    await uia?.finish();
    res.json({ login_token: token, expires_in_ms: expiresIn });
  }

  router.route('/login/get_token').post(requireAuth(ctx), getToken).all(methodNotAllowed);
  return router;
}
