/**
 * POST /_synapse/admin/v1/reset_password/<user_id> {new_password,
 * logout_devices}: sets the password; by default every device is logged out
 * (their tokens answer 401 from then on, on every replica).
 */
import { changeAccountPassword, checkNewPassword, objectBody, optionalBoolean, requireString, type ClientApiContext } from '@lattice/client-api';
import { Router, type Request, type Response } from 'express';
import { assertPasswordsEnabled } from '../../http/password-setting.js';
import { existingLocalUser } from '../../http/target-user.js';

export function resetPasswordRouter(ctx: ClientApiContext): Router {
  const router = Router();

  async function reset(req: Request<{ userId: string }>, res: Response): Promise<void> {
    const body = objectBody(req);
    const newPassword = requireString(body, 'new_password');
    const logoutDevices = optionalBoolean(body, 'logout_devices') ?? true;
    const user = await existingLocalUser(ctx, req.params.userId, 'Can only reset passwords of local users');
    assertPasswordsEnabled(ctx);
    checkNewPassword(ctx.config, newPassword);
    await changeAccountPassword(ctx, user.userId, newPassword, { logoutDevices });
    res.json({});
  }

  router.post('/v1/reset_password/:userId', reset);
  return router;
}
