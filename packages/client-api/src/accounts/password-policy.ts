/** Rules for new passwords (registration and /account/password). */
import { Errors, MatrixError, type HomeserverConfig } from '@lattice/core';

/** Longer passwords only cost hashing time; Synapse uses the same bound. */
export const MAX_PASSWORD_LENGTH = 512;

export function checkPasswordLength(password: string): void {
  if (password.length > MAX_PASSWORD_LENGTH) throw Errors.invalidParam(`Password exceeds ${MAX_PASSWORD_LENGTH} characters`);
}

/** Enforces password_config.minimum_length with the spec's M_WEAK_PASSWORD. */
export function checkNewPassword(config: Pick<HomeserverConfig, 'password_config'>, password: string): void {
  checkPasswordLength(password);
  const min = config.password_config.minimum_length;
  if (password.length < min) throw new MatrixError(400, 'M_WEAK_PASSWORD', `Password must be at least ${min} characters`);
}
