/**
 * String formats the config schema can demand. Each checks a string and may
 * normalise it (resolve a path, add a trailing slash); a string result is the
 * normalised value, an object result is the problem.
 */
import { isIP } from 'node:net';
import { resolve } from 'node:path';

export type StringFormat = 'path' | 'url' | 'base_url' | 'server_name' | 'ip' | 'cidr' | 'turn_uri';

export interface FormatContext {
  configDir: string;
}

type FormatResult = string | { error: string };
type FormatCheck = (value: string, ctx: FormatContext) => FormatResult;

const httpUrl = (value: string): URL | undefined => {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
};

/** The spec's server name grammar: hostname [":" port], hostname = IPv4 / "[" IPv6 "]" / dns-name. */
export function isValidServerName(value: string): boolean {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[0-9A-Za-z.-]{1,255})(?::(\d{1,5}))?$/.exec(value);
  if (!m) return false;
  const host = m[1]!;
  if (host.startsWith('[') && isIP(host.slice(1, -1)) !== 6) return false;
  if (m[2] !== undefined) {
    const port = Number(m[2]);
    if (port < 1 || port > 65535) return false;
  }
  return true;
}

/** An IP address, optionally with a /prefix length valid for its family. */
export function isValidCidr(value: string): boolean {
  const [addr, prefix, ...rest] = value.split('/');
  if (rest.length > 0) return false;
  const family = isIP(addr!);
  if (family === 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

export const FORMATS: Record<StringFormat, FormatCheck> = {
  path: (value, ctx) => (value === '' ? { error: 'must be a non-empty path' } : resolve(ctx.configDir, value)),
  url: (value) => (httpUrl(value) ? value : { error: 'must be an http:// or https:// URL' }),
  base_url: (value) => {
    const url = httpUrl(value);
    if (!url || url.search || url.hash) return { error: 'must be an http:// or https:// URL without query or fragment' };
    return value.endsWith('/') ? value : `${value}/`;
  },
  server_name: (value) =>
    isValidServerName(value) ? value : { error: 'must be a server name: hostname or IP literal, optionally with :port' },
  ip: (value) => (isIP(value) !== 0 ? value : { error: 'must be an IPv4 or IPv6 address' }),
  cidr: (value) => (isValidCidr(value) ? value : { error: 'must be an IP address or CIDR range such as 10.0.0.0/8' }),
  // voip.yaml: TURN URIs match ^turns?: (RFC 7065).
  turn_uri: (value) => (/^turns?:\S+$/.test(value) ? value : { error: 'must be a turn: or turns: URI' }),
};
