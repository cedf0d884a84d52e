/**
 * POST /account/password and /account/deactivate (spec "Account management").
 * Both need an access token (no email-based flows here) and re-confirm the
 * password through UIA.
 */
import { Errors } from '@lattice/core';
import { Router, type Request, type Response } from 'express';
import { checkNewPassword } from '../accounts/password-policy.js';
import type { ClientApiContext } from '../context.js';
import { requesterOf, requireAuth } from '../http/auth.js';
import { objectBody } from '../http/body.js';
import { methodNotAllowed } from '../http/unrecognized.js';
import { optionalBoolean, optionalString, requireString } from '../http/validate.js';
import { deactivateAccount } from '../accounts/deactivation.js';
import { changeAccountPassword } from '../accounts/password-change.js';
import { passwordReauth } from '../uia/policies.js';
import { requireUserInteractiveAuth } from '../uia/user-interactive-auth.js';

export function accountRouter(ctx: ClientApiContext): Router {
  const router = Router();

  async function changePassword(req: Request, res: Response): Promise<void> {
    if (!ctx.config.password_config.enabled) throw Errors.forbidden('Password changes are disabled on this server');
    const { userId, deviceId } = requesterOf(req);
    const body = objectBody(req);
    const newPassword = requireString(body, 'new_password');
    const logoutDevices = optionalBoolean(body, 'logout_devices') ?? true;
    checkNewPassword(ctx.config, newPassword);

    const uia = await requireUserInteractiveAuth(ctx, req, body, passwordReauth(userId));
    // The requesting device stays logged in (the spec: SHOULD NOT revoke its token).
    await changeAccountPassword(ctx, userId, newPassword, { logoutDevices, keepDeviceId: deviceId });
    await uia.finish();
    res.json({});
  }

  async function deactivate(req: Request, res: Response): Promise<void> {
    const { userId } = requesterOf(req);
    const body = objectBody(req);
    const erase = optionalBoolean(body, 'erase') ?? false;
    // Validated for its type only: no third-party ids are bound, so there is nothing to unbind.
    optionalString(body, 'id_server');

    const uia = await requireUserInteractiveAuth(ctx, req, body, passwordReauth(userId));
    await deactivateAccount(ctx, userId, { erase });
    await uia.finish();
    res.json({ id_server_unbind_result: 'success' });
  }

  router.route('/account/password').post(requireAuth(ctx), changePassword).all(methodNotAllowed);
  router.route('/account/deactivate').post(requireAuth(ctx), deactivate).all(methodNotAllowed);
  return router;
}
