/**
 * Builds the transport half of federation from the config: our published
 * keys, discovery, the signing HTTPS client and the remote key ring. The
 * resolvers are injectable for tests and split-horizon deployments.
 */
import { systemResolver, type HomeserverConfig, type HostResolver, type Logger, type SigningKey } from '@lattice/core';
import type { Database } from '@lattice/storage';
import type { FederationClient } from '../api.js';
import { cachedHostResolver, cachedSrvLookup } from '../discovery/dns-cache.js';
import { ServerResolver } from '../discovery/server-resolver.js';
import { systemSrvLookup, type SrvLookup } from '../discovery/srv-lookup.js';
import { WellKnownResolver, wellKnownFetch, type WellKnownFetch } from '../discovery/well-known.js';
import { OwnServerKeys } from '../keys/own-keys.js';
import { RemoteKeyRing } from '../keys/remote-key-ring.js';
import { isFederationAllowed } from '../transport/domain-whitelist.js';
import { FederationHttpClient } from '../transport/federation-http-client.js';
import { mediaFetch, type MediaFetch } from '../transport/media-fetch.js';
import { outboundSettings } from '../transport/outbound-settings.js';

/** The transport's services: FederationDeps without the client-api context, plus what its own routes need. */
export interface FederationTransport {
  serverName: string;
  signingKey: SigningKey;
  client: FederationClient;
  ownKeys: OwnServerKeys;
  keyRing: RemoteKeyRing;
  /** federation_domain_whitelist as a predicate. */
  isAllowed: (serverName: string) => boolean;
  /** Other servers' media, for the media repository. */
  media: MediaFetch;
}

export interface FederationTransportOptions {
  /** A/AAAA resolution (default: the system resolver). */
  resolve?: HostResolver;
  /** SRV resolution (default: the system resolver). */
  srv?: SrvLookup;
  /** The .well-known GET (default: over HTTPS with the outbound settings). */
  wellKnownFetch?: WellKnownFetch;
  now?: () => number;
}

/** Needs no room services, so a process can build it before them (and hand the client to the rooms side). */
export function createFederationTransport(
  base: { config: HomeserverConfig; db: Database; logger: Logger },
  signingKey: SigningKey,
  options: FederationTransportOptions = {},
): FederationTransport {
  const { config } = base;
  const serverName = config.server_name;
  const outbound = outboundSettings(config, cachedHostResolver(options.resolve ?? systemResolver));
  const isAllowed = (name: string) => isFederationAllowed(config, name);
  const ownKeys = new OwnServerKeys({
    serverName,
    signingKey,
    oldKeys: config.old_signing_keys,
    refreshIntervalMs: config.key_refresh_interval_ms,
    ...(options.now ? { now: options.now } : {}),
  });
  const resolver = new ServerResolver({
    wellKnown: new WellKnownResolver(options.wellKnownFetch ?? wellKnownFetch(outbound), options.now ? { now: options.now } : {}),
    srv: cachedSrvLookup(options.srv ?? systemSrvLookup),
    hostMap: config.federation_host_map ?? {},
  });
  const client = new FederationHttpClient({ serverName, signingKey, resolver, outbound, isAllowed });
  const keyRing = new RemoteKeyRing({
    db: base.db,
    own: ownKeys,
    client,
    trustedKeyServers: config.trusted_key_servers,
    logger: base.logger.child({ module: 'key-ring' }),
    ...(options.now ? { now: options.now } : {}),
  });
  return { serverName, signingKey, keyRing, client, ownKeys, isAllowed, media: mediaFetch(client, outbound) };
}
