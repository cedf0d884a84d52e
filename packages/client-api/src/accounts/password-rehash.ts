/**
 * Brings a stored password hash to the configured scrypt cost (password_config.scrypt_log2_n) when the user next
 * proves their password (a login, or a UIA password stage), the only moments the server holds it: raising the cost
 * then reaches existing accounts as their users come back, not only accounts created or passwords changed afterwards.
 */
import type { ClientApiContext } from '../context.js';
import { hashPassword, madeWithOtherParams, passwordHashParams } from '../crypto/password-hash.js';
import { replacePasswordHash, type UserRecord } from '../stores/users.js';

/** After `password` verified against `user`'s stored hash. A failure leaves the old hash, which still verifies. */
export async function rehashAtConfiguredCost(ctx: Pick<ClientApiContext, 'config' | 'db' | 'logger'>, user: UserRecord, password: string): Promise<void> {
  const params = passwordHashParams(ctx.config);
  if (!user.passwordHash || !madeWithOtherParams(user.passwordHash, params)) return;
  try {
    // Compare-and-set: a password changed while this check was hashing is never overwritten with the old one.
    await replacePasswordHash(ctx.db, user.userId, user.passwordHash, await hashPassword(password, params));
  } catch (err) {
    ctx.logger.warn({ err, userId: user.userId }, 'could not rehash a password at the configured scrypt cost');
  }
}
