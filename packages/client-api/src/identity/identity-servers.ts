/** The identity server client a context uses: the one it was given, else one built once from its config. */
import type { ClientApiContext } from '../context.js';
import { IdentityServerClient } from './identity-server-client.js';

const defaults = new WeakMap<ClientApiContext, IdentityServerClient>();

export function identityServersOf(ctx: ClientApiContext): IdentityServerClient {
  if (ctx.identityServers !== undefined) return ctx.identityServers;
  let client = defaults.get(ctx);
  if (client === undefined) {
    client = new IdentityServerClient({ config: ctx.config });
    defaults.set(ctx, client);
  }
  return client;
}
