/**
 * Server names (appendices "Server Name"): `hostname [":" port]`, where hostname is
 * a dotted-quad IPv4 literal, a bracketed IPv6 literal or a DNS name. Compared
 * case-sensitively, so nothing here lower-cases.
 */
import { isIPv6 } from 'node:net';

export type HostKind = 'dns' | 'ipv4' | 'ipv6';

export interface ServerName {
  /** The hostname as written, including brackets for IPv6. */
  readonly host: string;
  readonly kind: HostKind;
  readonly port: number | undefined;
}

const MAX_HOSTNAME_LENGTH = 255;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
// Labels of letters, digits and hyphens separated by dots; a trailing dot is the DNS root.
const DNS_NAME = /^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.?$/;
const IPV6_CHARS = /^[0-9A-Fa-f:.]{2,45}$/;
const PORT = /^\d{1,5}$/;

export function parseServerName(name: string): ServerName | undefined {
  let host = name;
  let port: number | undefined;
  // The port separator is the last colon, unless it is inside an IPv6 literal.
  const colon = name.lastIndexOf(':');
  if (colon >= 0 && colon > name.lastIndexOf(']')) {
    const portText = name.slice(colon + 1);
    if (!PORT.test(portText)) return undefined;
    port = Number(portText);
    if (port > 65535) return undefined;
    host = name.slice(0, colon);
  }
  const kind = hostKind(host);
  return kind === undefined ? undefined : { host, kind, port };
}

export function isValidServerName(name: string): boolean {
  return parseServerName(name) !== undefined;
}

function hostKind(host: string): HostKind | undefined {
  if (host.length === 0 || host.length > MAX_HOSTNAME_LENGTH) return undefined;
  if (host.charCodeAt(0) === 0x5b /* [ */) {
    if (host.charCodeAt(host.length - 1) !== 0x5d) return undefined;
    const literal = host.slice(1, -1);
    return IPV6_CHARS.test(literal) && isIPv6(literal) ? 'ipv6' : undefined;
  }
  const quad = IPV4.exec(host);
  if (quad !== null && quad.slice(1).every((octet) => Number(octet) <= 255)) return 'ipv4';
  // Anything else, including dotted numbers that are not an IPv4 address, must be a DNS name.
  return DNS_NAME.test(host) ? 'dns' : undefined;
}

/** The server name part of `&localpart:server` identifiers (everything after the first colon). */
export function serverNameOf(id: string): string | undefined {
  const colon = id.indexOf(':');
  return colon < 0 ? undefined : id.slice(colon + 1);
}
