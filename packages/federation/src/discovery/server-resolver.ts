/**
 * Server discovery (server-server API "Resolving server names"): which host to
 * connect to, on which port, with which Host header and for which name the TLS
 * certificate must be valid (and SNI sent, except for IP literals).
 */
import { parseServerName } from '@lattice/core';
import { pickSrvTarget, type SrvLookup, type SrvRecord } from './srv-lookup.js';
import type { WellKnownResolver } from './well-known.js';

export interface ResolvedServer {
  /** The name the certificate must be valid for; the URL's host (IPv6 in brackets). */
  tlsHost: string;
  port: number;
  /** The host whose addresses are connected to: tlsHost, or an SRV target. */
  connectHost: string;
  hostHeader: string;
}

export class ServerResolutionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServerResolutionError';
  }
}

const DEFAULT_PORT = 8448;

export interface ServerResolverOptions {
  wellKnown: WellKnownResolver;
  srv: SrvLookup;
  /**
   * federation_host_map: server name → "host[:port]" to connect to, skipping discovery. Like an SRV
   * target: the Host header and the certificate stay those of the server name.
   */
  hostMap?: Record<string, string>;
}

export class ServerResolver {
  constructor(private readonly options: ServerResolverOptions) {}

  async resolve(serverName: string): Promise<ResolvedServer> {
    const name = parseServerName(serverName);
    if (name === undefined) throw new ServerResolutionError(`invalid server name ${JSON.stringify(serverName)}`);
    const mapped = parseServerName(this.options.hostMap?.[serverName] ?? '');
    if (mapped !== undefined) {
      return { tlsHost: name.host, port: mapped.port ?? name.port ?? DEFAULT_PORT, connectHost: mapped.host, hostHeader: serverName };
    }
    // Steps 1 and 2: IP literals and explicit ports are used as they are, Host is the server name.
    if (name.kind !== 'dns' || name.port !== undefined) {
      return { tlsHost: name.host, port: name.port ?? DEFAULT_PORT, connectHost: name.host, hostHeader: serverName };
    }
    // Step 3: delegation through .well-known.
    const delegated = await this.options.wellKnown.delegatedServer(name.host);
    if (delegated !== undefined) return this.resolveDelegated(delegated);
    // Steps 4–6: SRV on the server name itself, else the name on 8448.
    return (await this.viaSrv(name.host)) ?? { tlsHost: name.host, port: DEFAULT_PORT, connectHost: name.host, hostHeader: name.host };
  }

  /** Step 3.1–3.5: a delegated `<hostname>[:<port>]`. */
  private async resolveDelegated(delegated: string): Promise<ResolvedServer> {
    const name = parseServerName(delegated);
    if (name === undefined) throw new ServerResolutionError(`invalid delegated server name ${JSON.stringify(delegated)}`);
    if (name.kind !== 'dns' || name.port !== undefined) {
      return { tlsHost: name.host, port: name.port ?? DEFAULT_PORT, connectHost: name.host, hostHeader: delegated };
    }
    return (await this.viaSrv(name.host)) ?? { tlsHost: name.host, port: DEFAULT_PORT, connectHost: name.host, hostHeader: name.host };
  }

  /** _matrix-fed._tcp, then the deprecated _matrix._tcp; Host and certificate stay those of `hostname`. */
  private async viaSrv(hostname: string): Promise<ResolvedServer | undefined> {
    for (const service of ['_matrix-fed._tcp.', '_matrix._tcp.']) {
      let records: SrvRecord[];
      try {
        records = await this.options.srv(service + hostname);
      } catch {
        records = [];
      }
      const target = pickSrvTarget(records);
      if (target !== undefined) {
        return { tlsHost: hostname, port: target.port, connectHost: target.name.replace(/\.$/, ''), hostHeader: hostname };
      }
    }
    return undefined;
  }
}
