/**
 * POST /refresh (spec "Refreshing access tokens"): exchanges a refresh token for
 * a new pair. The old refresh token keeps working until the new access or
 * refresh token is first used, so a client that lost the response can retry.
 */
import { Errors } from '@lattice/core';
import { Router } from 'express';
import { issueTokens } from '../accounts/sessions.js';
import type { ClientApiContext } from '../context.js';
import { hashToken } from '../crypto/tokens.js';
import { objectBody } from '../http/body.js';
import { methodNotAllowed } from '../http/unrecognized.js';
import { requireString } from '../http/validate.js';
import { revokingTokens } from '../accounts/token-revocation.js';
import { findRefreshTokenForUpdate, linkNextRefreshToken, refreshTokenOwner, retireForExchange } from '../stores/refresh-tokens.js';

export function refreshRouter(ctx: ClientApiContext): Router {
  const router = Router();
  router
    .route('/refresh')
    .post(async (req, res) => {
      const token = requireString(objectBody(req), 'refresh_token');
      const hash = hashToken(token);
      const owner = await refreshTokenOwner(ctx.db, hash);
      if (owner === undefined) throw Errors.unknownToken(false, 'Unknown refresh token');
      // The exchange retires the access token issued with this refresh token.
      const issued = await revokingTokens(ctx, owner, async (tx) => {
        const now = Date.now();
        const current = await findRefreshTokenForUpdate(tx, hash);
        if (!current) throw Errors.unknownToken(false, 'Unknown refresh token');
        // The device still exists: the client may log in again keeping its state.
        if (current.expiresTs !== null && current.expiresTs <= now) throw Errors.unknownToken(true, 'Refresh token has expired');
        await retireForExchange(tx, current);
        const next = await issueTokens(tx, ctx.config, current.userId, current.deviceId, true, now);
        await linkNextRefreshToken(tx, current.id, next.refreshTokenId!);
        return next;
      });
      res.json({ access_token: issued.access_token, refresh_token: issued.refresh_token, expires_in_ms: issued.expires_in_ms });
    })
    .all(methodNotAllowed);
  return router;
}
