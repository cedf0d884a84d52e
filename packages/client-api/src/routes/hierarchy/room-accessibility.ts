/**
 * Which rooms the hierarchy may show a user (space_hierarchy.yaml, `rooms`): a
 * room they are joined to or invited to, one with a public join rule, a
 * restricted one whose allow list names a room they are joined to, a knockable
 * one (knock / knock_restricted where the room version has them), or a
 * world-readable one. A banned user sees the room only if it is world-readable.
 * Works from the summary alone, so remote rooms are judged the same way.
 */
import { getRoomVersion } from '@lattice/core';
import type { RoomServices } from '../../context.js';
import type { RoomSummary } from './room-summary.js';

export async function mayViewRoom(rooms: RoomServices, summary: RoomSummary, userId: string): Promise<boolean> {
  if (summary.world_readable) return true;
  const membership = (await rooms.store.membership(summary.room_id, userId))?.membership;
  if (membership === 'ban') return false;
  if (membership === 'join' || membership === 'invite') return true;
  const rule = summary.join_rule;
  if (rule === 'public') return true;
  // A rule the room's version does not have is not in force (unknown versions: trust the summary).
  const version = summary.room_version === undefined ? undefined : getRoomVersion(summary.room_version);
  const knock = version?.knockJoinRule ?? true;
  const restricted = version?.restrictedJoinRule ?? true;
  const knockRestricted = version?.knockRestrictedJoinRule ?? true;
  if ((rule === 'knock' && knock) || (rule === 'knock_restricted' && knockRestricted)) return true;
  if ((rule === 'restricted' && restricted) || (rule === 'knock_restricted' && knockRestricted)) {
    for (const allowed of summary.allowed_room_ids ?? []) {
      if ((await rooms.store.membership(allowed, userId))?.membership === 'join') return true;
    }
  }
  return false;
}
