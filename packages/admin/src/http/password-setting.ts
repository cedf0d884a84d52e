/** Setting passwords through the admin API obeys password_config.enabled, as in Synapse (403 M_FORBIDDEN when off). */
import type { ClientApiContext } from '@lattice/client-api';
import { Errors } from '@lattice/core';

export function assertPasswordsEnabled(ctx: ClientApiContext): void {
  if (!ctx.config.password_config.enabled) throw Errors.forbidden('Setting passwords is disabled on this server');
}
