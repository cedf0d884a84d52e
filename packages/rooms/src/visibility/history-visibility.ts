/**
 * The history visibility rules (client-server "Room History Visibility",
 * "Server behaviour"), as pure functions of what held at an event: the
 * room's m.room.history_visibility and the user's membership. Loading those
 * facts is visibility-facts.ts; applying them to events is filter-events-for-user.ts.
 */

export type HistoryVisibility = 'world_readable' | 'shared' | 'invited' | 'joined';

const KNOWN = new Set<string>(['world_readable', 'shared', 'invited', 'joined']);

/** "If no history_visibility is set, or if the value is not understood, the visibility is assumed to be shared." */
export function historyVisibilityOf(value: unknown): HistoryVisibility {
  return typeof value === 'string' && KNOWN.has(value) ? (value as HistoryVisibility) : 'shared';
}

export interface VisibilityFacts {
  visibility: HistoryVisibility;
  /** The user's membership in the state considered (undefined: never a member). */
  membership: string | undefined;
  /** The user joined the room at some point after the event was sent. */
  joinedAfter: boolean;
}

/** The spec's five rules, in order. */
export function visibilityAllows({ visibility, membership, joinedAfter }: VisibilityFacts): boolean {
  if (visibility === 'world_readable') return true;
  if (membership === 'join') return true;
  if (visibility === 'shared' && joinedAfter) return true;
  if (visibility === 'invited' && membership === 'invite') return true;
  return false;
}
