/**
 * A room's effective retention policy (Synapse's message retention policies):
 * its m.room.retention state content, each missing or malformed value taken
 * from the server's default_policy, max_lifetime clamped into
 * [allowed_lifetime_min, allowed_lifetime_max].
 */
import type { RetentionConfig } from './types.js';

export interface RetentionPolicy {
  min_lifetime?: number;
  max_lifetime?: number;
}

const lifetime = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;

export function effectiveRetention(config: RetentionConfig['retention'], roomContent: Record<string, unknown> | undefined): RetentionPolicy {
  const policy: RetentionPolicy = {};
  const min = lifetime(roomContent?.['min_lifetime']) ?? config.default_policy.min_lifetime;
  let max = lifetime(roomContent?.['max_lifetime']) ?? config.default_policy.max_lifetime;
  if (max !== undefined) {
    if (config.allowed_lifetime_min !== undefined) max = Math.max(max, config.allowed_lifetime_min);
    if (config.allowed_lifetime_max !== undefined) max = Math.min(max, config.allowed_lifetime_max);
    policy.max_lifetime = max;
  }
  if (min !== undefined) policy.min_lifetime = min;
  return policy;
}

/** Is max_lifetime in the job's range (shortest_max_lifetime, longest_max_lifetime]? Open ends when unset. */
export function inJobRange(maxLifetime: number, job: { shortest_max_lifetime?: number; longest_max_lifetime?: number }): boolean {
  if (job.shortest_max_lifetime !== undefined && maxLifetime <= job.shortest_max_lifetime) return false;
  if (job.longest_max_lifetime !== undefined && maxLifetime > job.longest_max_lifetime) return false;
  return true;
}
