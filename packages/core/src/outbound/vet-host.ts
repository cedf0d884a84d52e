/**
 * Resolve a URL's host once and check every address it resolves to. The
 * result is what the connection will use (see pinnedLookup), so a DNS answer
 * that changes between the check and the connect (rebinding) cannot matter.
 */
import type { LookupFunction } from 'node:net';
import type { AddressPolicy } from './address-policy.js';
import type { HostResolver, ResolvedAddress } from './host-resolver.js';
import { formatIp, parseIp } from './ip-address.js';
import { OutboundError } from './outbound-error.js';

/** `hostname` as WHATWG URL gives it: IPv6 literals in brackets, IPv4 already normalised (0x7f.1 → 127.0.0.1). */
export async function vetHost(hostname: string, policy: AddressPolicy, resolve: HostResolver): Promise<ResolvedAddress[]> {
  const literal = parseIp(hostname);
  if (literal !== undefined) {
    if (policy.isBlocked(literal)) throw blocked(hostname, formatIp(literal));
    const bare = hostname.replace(/^\[|\]$/g, '');
    return [{ address: bare, family: bare.includes(':') ? 6 : 4 }];
  }
  let addresses: ResolvedAddress[];
  try {
    addresses = await resolve(hostname);
  } catch (err) {
    throw new OutboundError('dns', `could not resolve ${hostname}`, { cause: err });
  }
  if (addresses.length === 0) throw new OutboundError('dns', `${hostname} has no addresses`);
  // One bad address refuses the host: the attacker controls which one a client would get.
  for (const a of addresses) {
    const ip = parseIp(a.address);
    if (ip === undefined || policy.isBlocked(ip)) throw blocked(hostname, a.address);
  }
  return addresses;
}

function blocked(hostname: string, address: string): OutboundError {
  return new OutboundError('blocked', `${hostname} resolves to a blocked address (${address})`);
}

/** A socket `lookup` that answers with the vetted addresses and never asks DNS again. */
export function pinnedLookup(addresses: readonly ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) {
      callback(null, addresses.map((a) => ({ address: a.address, family: a.family })));
    } else {
      const first = addresses.find((a) => !options.family || a.family === options.family) ?? addresses[0]!;
      callback(null, first.address, first.family);
    }
  };
}
