/**
 * Lazy-loading room members (client-server-api "Lazy-loading room members"):
 * with `lazy_load_members`, /sync, /messages and /context send only the
 * m.room.member events of the senders of the events they return. Unless
 * `include_redundant_members` is set, the server may skip members whose
 * membership it already sent to this client and that has not changed since.
 *
 * This module only decides WHICH members; the caller fetches their m.room.member
 * events (state keys = user IDs) from the state at the start of the chunk, and
 * owns the record of what each device was sent (keyed by member event ID, so a
 * changed membership is never mistaken for an already-sent one).
 */

export interface LazyMembersOptions {
  /** `include_redundant_members` of the filter. */
  includeRedundantMembers: boolean;
  /** True if this device already has this user's current membership event. */
  alreadySent: (userId: string) => boolean;
  /** Members wanted besides the senders, e.g. the syncing user's own membership. */
  extraMembers?: Iterable<string>;
}

/** The m.room.member state keys to send with `chunk`, in first-seen order. */
export function lazyMembersToSend(
  chunk: Iterable<{ sender?: string }>,
  options: LazyMembersOptions,
): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  const consider = (userId: string | undefined): void => {
    if (userId === undefined || seen.has(userId)) return;
    seen.add(userId);
    if (options.includeRedundantMembers || !options.alreadySent(userId)) out.push(userId);
  };
  for (const event of chunk) consider(event.sender);
  if (options.extraMembers) for (const userId of options.extraMembers) consider(userId);
  return out;
}
