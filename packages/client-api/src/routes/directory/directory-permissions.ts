/**
 * Who may change a room's directory entries (its published visibility, the
 * aliases others created). The spec leaves the check to servers; like Synapse,
 * a server admin may, and so may a joined member with the power to send
 * m.room.canonical_alias (room moderators, and creators in v12).
 */
import { effectivePowerLevels, requiredPowerForEvent, userPowerLevel } from '@lattice/core';
import type { ClientApiContext } from '../../context.js';
import { getUser } from '../../stores/users.js';
import { powerStateLookup } from '../rooms/power-state.js';

export async function isServerAdmin(ctx: ClientApiContext, userId: string): Promise<boolean> {
  return (await getUser(ctx.db, userId))?.admin === true;
}

/** Joined, with at least the level m.room.canonical_alias requires (no admin override). */
export async function canModerateDirectoryEntry(ctx: ClientApiContext, roomId: string, userId: string): Promise<boolean> {
  const { store } = ctx.rooms;
  const [version, membership] = await Promise.all([store.roomVersion(roomId), store.membership(roomId, userId)]);
  if (version === undefined || membership?.membership !== 'join') return false;
  const state = await powerStateLookup(ctx.rooms, roomId);
  const required = requiredPowerForEvent('m.room.canonical_alias', true, effectivePowerLevels(state, version));
  return userPowerLevel(userId, state, version) >= required;
}

/** Synapse's check_can_change_room_list: a server admin, or a moderator of the room. */
export async function canEditDirectoryEntry(ctx: ClientApiContext, roomId: string, userId: string): Promise<boolean> {
  return (await isServerAdmin(ctx, userId)) || canModerateDirectoryEntry(ctx, roomId, userId);
}
