/**
 * What this worker's Notifier saw change after a sync token. An incremental
 * sync asks it before each read whose answer can only be non-empty if a row
 * named the user or one of its rooms: most long-poll wake-ups (a message in
 * one room) then skip the user's memberships, account data, device lists,
 * to-device messages, receipts and new co-members' presence altogether.
 *
 * Only for tokens from this worker's lifetime: the Notifier knows nothing of
 * what happened before it started, so older tokens get no view (read all).
 */
import type { Notifier, SyncToken, SyncTokenStream } from '@lattice/replication';

export interface KnownChanges {
  /** A row of `stream` named the user. */
  user(stream: SyncTokenStream): boolean;
  /** A row of `stream` named one of the rooms. */
  rooms(stream: SyncTokenStream, roomIds: Iterable<string>): boolean;
  /** Something for the room's own sections (timeline, state, receipts, typing, account data). */
  room(roomId: string): boolean;
  /** Who shares these rooms with the user may differ: a membership event of the user's, or in one of the rooms. */
  coMembers(roomIds: Iterable<string>): boolean;
}

/**
 * The user's view for `since`, or undefined when `since` predates
 * `observedFrom` (the worker's first token: the Notifier has seen every row
 * after it). `current` is the worker's token now.
 */
export function knownChangesSince(
  notifier: Notifier,
  observedFrom: SyncToken,
  userId: string,
  since: SyncToken | undefined,
  current: SyncToken,
): KnownChanges | undefined {
  if (since === undefined || !since.isAtLeast(observedFrom)) return undefined;
  // Presence rows name rooms only to wake the members' long-polls: they never change a room's own sections.
  const roomSince = since.with('presence', current.get('presence'));
  return {
    user: (stream) => notifier.userChangedSince(userId, since, stream),
    rooms: (stream, roomIds) => notifier.roomsChangedSince(roomIds, since, stream),
    room: (roomId) => notifier.hasChangesSince('', new Set([roomId]), roomSince),
    coMembers: (roomIds) => notifier.userChangedSince(userId, since, 'events') || notifier.membersChangedSince(roomIds, since),
  };
}
