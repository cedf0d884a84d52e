/**
 * GET /_matrix/client/v1/register/m.login.registration_token/validity (spec
 * "Token-authenticated registration"): whether a token could be used now.
 * 403 when registration is off; rate-limited per address against guessing.
 */
import { Errors } from '@lattice/core';
import { Router, type Request, type Response } from 'express';
import type { ClientApiContext } from '../context.js';
import { enforceRateLimit } from '../ratelimit/rate-limits.js';
import { methodNotAllowed } from '../http/unrecognized.js';
import { registrationTokenValid } from '../stores/registration-tokens.js';
import { tokenClock } from '../uia/registration-token-stage.js';
import { UIA_SESSION_LIFETIME_MS } from '../uia/session-lifetime.js';

export function registrationTokenValidityRouter(ctx: ClientApiContext): Router {
  const router = Router();
  async function validity(req: Request, res: Response): Promise<void> {
    const key = req.ip ?? 'unknown';
    await enforceRateLimit(ctx, { name: 'rc_registration_token_validity', limit: ctx.config.rc_registration_token_validity, key });
    if (!ctx.config.enable_registration) throw Errors.forbidden('Registration is not enabled on this homeserver.');
    const token = req.query.token;
    if (typeof token !== 'string') throw Errors.missingParam('token');
    res.json({ valid: await registrationTokenValid(ctx.db, token, tokenClock(UIA_SESSION_LIFETIME_MS)) });
  }

  router.route('/register/m.login.registration_token/validity').get(validity).all(methodNotAllowed);
  return router;
}
