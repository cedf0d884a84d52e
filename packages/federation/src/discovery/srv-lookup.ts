/** SRV records for server discovery, injectable so tests never depend on real DNS. */
import { resolveSrv } from 'node:dns/promises';

export interface SrvRecord {
  name: string;
  port: number;
  priority: number;
  weight: number;
}

/** The records for a name; an empty list when there are none. Rejects only on real failures. */
export type SrvLookup = (name: string) => Promise<SrvRecord[]>;

const NO_RECORDS = new Set(['ENODATA', 'ENOTFOUND', 'NXDOMAIN']);

export const systemSrvLookup: SrvLookup = async (name) => {
  try {
    return await resolveSrv(name);
  } catch (err) {
    if (NO_RECORDS.has((err as NodeJS.ErrnoException).code ?? '')) return [];
    throw err;
  }
};

/**
 * The target to use (RFC 2782): the lowest priority, then a weighted random
 * choice among equals. A lone "." target means the service is not offered.
 */
export function pickSrvTarget(records: readonly SrvRecord[], random: () => number = Math.random): SrvRecord | undefined {
  const usable = records.filter((r) => r.name !== '' && r.name !== '.');
  if (usable.length === 0) return undefined;
  const best = Math.min(...usable.map((r) => r.priority));
  const candidates = usable.filter((r) => r.priority === best);
  const total = candidates.reduce((sum, r) => sum + r.weight, 0);
  if (total === 0) return candidates[Math.floor(random() * candidates.length)];
  let point = random() * total;
  for (const r of candidates) {
    point -= r.weight;
    if (point < 0) return r;
  }
  return candidates[candidates.length - 1];
}
