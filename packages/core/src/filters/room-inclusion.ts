/**
 * Which rooms a /sync response covers, from the `room` member of a filter:
 * `rooms` / `not_rooms` ("applied before the filters in ephemeral, state,
 * timeline or account_data"; a room in `not_rooms` is excluded even if listed in
 * `rooms`) and `include_leave` ("Include rooms that the user has left").
 *
 * Rooms the user left (or was banned from) are reported in the `leave` section only
 * with `include_leave`, except a departure that happened inside the sync window
 * (since → now): the client must learn that it left, as Synapse also does.
 */
import type { RoomFilter } from './types.js';

/** The user's membership as /sync sections see it. */
export type SyncMembership = 'join' | 'invite' | 'knock' | 'leave' | 'ban';

export interface RoomInclusion {
  /** True if the room passes `rooms` / `not_rooms`. */
  includesRoomId(roomId: string): boolean;
  /**
   * True if the room belongs in the response. `leftInWindow`: the leave/ban event
   * falls between the request's `since` and now (always false for an initial sync).
   */
  includesRoom(roomId: string, membership: SyncMembership, leftInWindow?: boolean): boolean;
  /** True when no room can pass, so a caller may skip all room work. */
  readonly excludesAllRooms: boolean;
}

export function compileRoomFilter(filter: RoomFilter | undefined): RoomInclusion {
  const included = filter?.rooms ? new Set(filter.rooms) : null;
  const excluded = filter?.not_rooms && filter.not_rooms.length > 0 ? new Set(filter.not_rooms) : null;
  const includeLeave = filter?.include_leave ?? false;

  const includesRoomId = (roomId: string): boolean =>
    (excluded === null || !excluded.has(roomId)) && (included === null || included.has(roomId));

  return {
    includesRoomId,
    includesRoom(roomId, membership, leftInWindow = false) {
      if (!includesRoomId(roomId)) return false;
      if (membership === 'leave' || membership === 'ban') return includeLeave || leftInWindow;
      return true;
    },
    excludesAllRooms: included !== null && [...included].every((id) => excluded?.has(id) ?? false),
  };
}
