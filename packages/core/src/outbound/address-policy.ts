/**
 * Which IP addresses outbound requests may reach: the operator's blacklist
 * minus the whitelist, applied to an address and to any IPv4 address it embeds
 * (6to4, NAT64, IPv4-compatible), so a private IPv4 address cannot be reached
 * through an IPv6 spelling of it.
 */
import { CidrSet, embeddedIpv4 } from './cidr-set.js';

/**
 * Never reachable, whatever the lists say: connecting to the unspecified
 * address ("this network", 0.0.0.0/8 and ::) reaches this very host on Linux.
 */
const UNSPECIFIED = new CidrSet(['0.0.0.0/8', '::/128']);

export class AddressPolicy {
  private readonly blacklist: CidrSet;
  private readonly whitelist: CidrSet;

  constructor(blacklist: Iterable<string>, whitelist: Iterable<string> = []) {
    this.blacklist = new CidrSet(blacklist);
    this.whitelist = new CidrSet(whitelist);
  }

  isBlocked(ip: bigint): boolean {
    const embedded = embeddedIpv4(ip);
    const forms = embedded === undefined ? [ip] : [ip, embedded];
    return forms.some((f) => UNSPECIFIED.has(f) || (this.blacklist.has(f) && !this.whitelist.has(f)));
  }
}
