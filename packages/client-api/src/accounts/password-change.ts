/**
 * Setting an account's password, for POST /account/password and the admin
 * API (reset_password, PUT /v2/users): the new hash and, when asked, the
 * logout of the user's devices commit together, with the token revocation
 * every replica honours before the answer (token-revocation.ts).
 */
import type { ClientApiContext } from '../context.js';
import { hashPassword, passwordHashParams } from '../crypto/password-hash.js';
import { deleteAllDevices } from '../stores/devices.js';
import { setPasswordHash } from '../stores/users.js';
import { revokingTokens } from './token-revocation.js';

export interface PasswordChange {
  logoutDevices: boolean;
  /** The device that stays logged in (the requester's own, for /account/password). */
  keepDeviceId?: string;
}

export async function changeAccountPassword(ctx: ClientApiContext, userId: string, newPassword: string, change: PasswordChange): Promise<void> {
  const passwordHash = await hashPassword(newPassword, passwordHashParams(ctx.config));
  const removed = await revokingTokens(ctx, userId, async (tx) => {
    await setPasswordHash(tx, userId, passwordHash);
    return change.logoutDevices ? deleteAllDevices(tx, userId, change.keepDeviceId) : [];
  });
  await ctx.devices?.removed(userId, removed);
}
