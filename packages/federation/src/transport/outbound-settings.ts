/**
 * What every outbound federation connection shares, from the config: the
 * address policy (ip_range_blacklist / ip_range_whitelist, checked after DNS
 * resolution and on every redirect by safeFetch), the name resolver, and the
 * TLS trust settings (federation_verify_certificates, federation_custom_ca_list).
 */
import { readFileSync } from 'node:fs';
import { AddressPolicy, systemResolver, type HomeserverConfig, type HostResolver, type SafeFetchOptions } from '@lattice/core';

export type OutboundSettings = Required<Pick<SafeFetchOptions, 'policy' | 'resolve' | 'rejectUnauthorized'>> &
  Pick<SafeFetchOptions, 'ca'>;

export function outboundSettings(
  config: Pick<HomeserverConfig, 'ip_range_blacklist' | 'ip_range_whitelist' | 'federation_verify_certificates' | 'federation_custom_ca_list'>,
  resolve: HostResolver = systemResolver,
): OutboundSettings {
  const caFiles = config.federation_custom_ca_list;
  return {
    policy: new AddressPolicy(config.ip_range_blacklist, config.ip_range_whitelist),
    resolve,
    rejectUnauthorized: config.federation_verify_certificates,
    // As in Synapse, a custom list replaces the system's CAs rather than adding to them.
    ...(caFiles !== undefined && caFiles.length > 0 ? { ca: caFiles.map((path) => readFileSync(path)) } : {}),
  };
}
