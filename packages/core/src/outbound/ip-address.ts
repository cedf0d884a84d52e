/**
 * IP addresses as 128-bit integers. IPv4 addresses live in the IPv4-mapped
 * range (::ffff:0:0/96), so one matcher covers both families and an
 * IPv4-mapped IPv6 address is, by construction, the IPv4 address it maps.
 */
import { isIP } from 'node:net';

const V4_MAPPED_PREFIX = 0xffffn << 32n;
const LOW_32 = 0xffff_ffffn;

/** The address as a 128-bit integer, or undefined if it is not an IP literal. Zone ids (%eth0) are dropped. */
export function parseIp(text: string): bigint | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const addr = bare.split('%', 1)[0]!;
  const family = isIP(addr);
  if (family === 4) return V4_MAPPED_PREFIX | parseV4(addr);
  if (family === 6) return parseV6(addr);
  return undefined;
}

function parseV4(addr: string): bigint {
  let value = 0n;
  for (const octet of addr.split('.')) value = (value << 8n) | BigInt(Number(octet));
  return value;
}

/** Validated by isIP already: groups of hex, at most one '::', optionally a dotted-quad tail. */
function parseV6(addr: string): bigint {
  const [head, tail] = addr.includes('::') ? addr.split('::') : [addr, undefined];
  const groups = (part: string | undefined): bigint[] => {
    if (!part) return [];
    const out: bigint[] = [];
    for (const g of part.split(':')) {
      if (g.includes('.')) {
        const v4 = parseV4(g);
        out.push(v4 >> 16n, v4 & 0xffffn);
      } else {
        out.push(BigInt(parseInt(g, 16)));
      }
    }
    return out;
  };
  const h = groups(head);
  const t = groups(tail);
  const all = tail === undefined ? h : [...h, ...new Array<bigint>(8 - h.length - t.length).fill(0n), ...t];
  return all.reduce((acc, g) => (acc << 16n) | g, 0n);
}

/** True for addresses in ::ffff:0:0/96, i.e. those parsed from IPv4 text. */
export function isV4(ip: bigint): boolean {
  return ip >> 32n === 0xffffn;
}

/** Back to text: dotted quad for IPv4(-mapped), compressed-ish hex groups otherwise (for logs and errors). */
export function formatIp(ip: bigint): string {
  if (isV4(ip)) return [24n, 16n, 8n, 0n].map((s) => String((ip >> s) & 0xffn)).join('.');
  const groups: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(((ip >> s) & 0xffffn).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

/** An IPv4 address in mapped form. */
export function v4(value: bigint): bigint {
  return V4_MAPPED_PREFIX | (value & LOW_32);
}
