/**
 * Event limits. event_filter.yaml: "Servers should apply a default value, and
 * impose a maximum value to avoid resource exhaustion."
 */

/**
 * 10: the default the spec states for the `limit` of /messages and /context, and
 * the default Synapse applies to every filter, the /sync timeline included
 * (clients rely on it: an initial sync without a filter returns 10 events per room).
 */
export const DEFAULT_EVENT_LIMIT = 10;

/** Largest number of events one filter or request may ask for. */
export const MAX_EVENT_LIMIT = 1000;

/** The limit to apply: the client's (clamped to MAX_EVENT_LIMIT) or the default. */
export function effectiveLimit(limit: number | undefined, fallback = DEFAULT_EVENT_LIMIT): number {
  return Math.min(limit ?? fallback, MAX_EVENT_LIMIT);
}
