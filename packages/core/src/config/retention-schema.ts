/**
 * Message retention (Synapse's `retention` keys, docs "Message retention
 * policies"): off unless enabled; default_policy applies to rooms without an
 * m.room.retention state event; allowed_lifetime_min/max clamp what rooms ask
 * for; each purge job covers rooms whose max_lifetime lies in
 * (shortest_max_lifetime, longest_max_lifetime] and runs every `interval`.
 */
import { bool, duration, list, obj, type Schema } from './schema.js';

export const RETENTION_KEYS: Record<string, Schema> = {
  retention: obj({
    enabled: bool(false),
    default_policy: obj({ min_lifetime: duration(), max_lifetime: duration() }),
    allowed_lifetime_min: duration(),
    allowed_lifetime_max: duration(),
    // Empty: one job for every room, once a day (Synapse's default).
    purge_jobs: list(
      obj({ interval: duration({ required: true }), shortest_max_lifetime: duration(), longest_max_lifetime: duration() }, { required: true }),
      { default: [] },
    ),
  }),
};
