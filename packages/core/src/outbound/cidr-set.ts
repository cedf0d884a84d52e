/**
 * A set of CIDR ranges (IPv4 and IPv6 mixed) and the question "is this address
 * in it?". Small on purpose: the config lists have a few dozen entries, checked
 * once per outbound connection.
 */
import { isV4, parseIp, v4 } from './ip-address.js';

interface Range {
  base: bigint;
  mask: bigint;
}

const ALL_ONES = (1n << 128n) - 1n;

/** Parses "10.0.0.0/8", "fe80::/10" or a bare address; throws on anything else (config is validated earlier). */
export function parseCidr(text: string): Range {
  const [addr, prefixText] = text.split('/');
  const ip = parseIp(addr!);
  if (ip === undefined) throw new Error(`not an IP range: ${text}`);
  // An IPv4 prefix counts within the mapped range's low 32 bits.
  const width = isV4(ip) ? 32 : 128;
  const prefix = prefixText === undefined ? width : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > width) throw new Error(`bad prefix length: ${text}`);
  const hostBits = BigInt(width - prefix);
  const mask = ALL_ONES ^ ((1n << hostBits) - 1n);
  return { base: ip & mask, mask };
}

export class CidrSet {
  private readonly ranges: readonly Range[];

  constructor(cidrs: Iterable<string>) {
    this.ranges = [...cidrs].map(parseCidr);
  }

  get size(): number {
    return this.ranges.length;
  }

  has(ip: bigint): boolean {
    for (const r of this.ranges) if ((ip & r.mask) === r.base) return true;
    return false;
  }
}

/**
 * The IPv4 addresses an IPv6 address carries and a network may route to:
 * 6to4 (2002:AABB:CCDD::/48), NAT64 (64:ff9b::/96) and the deprecated
 * IPv4-compatible form (::a.b.c.d). IPv4-mapped needs no entry: it IS the IPv4 form.
 */
export function embeddedIpv4(ip: bigint): bigint | undefined {
  if (isV4(ip)) return undefined;
  if (ip >> 112n === 0x2002n) return v4(ip >> 80n);
  if (ip >> 32n === 0x0064_ff9b_0000_0000_0000_0000n) return v4(ip);
  // ::/96 except :: and ::1, which are IPv6's own unspecified and loopback addresses.
  if (ip >> 32n === 0n && ip > 1n) return v4(ip);
  return undefined;
}
