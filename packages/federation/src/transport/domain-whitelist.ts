/** federation_domain_whitelist: when set, the only servers this one talks to, in either direction. */
import type { HomeserverConfig } from '@lattice/core';

export function isFederationAllowed(config: Pick<HomeserverConfig, 'federation_domain_whitelist'>, serverName: string): boolean {
  const whitelist = config.federation_domain_whitelist;
  return whitelist === undefined || whitelist.includes(serverName);
}
