/**
 * Restricted joins (room versions 8+, client-server "Restricted rooms"): a user
 * who is not invited may join when they are joined to a room the join rules'
 * `allow` list names; the join then carries join_authorised_via_users_server, a
 * user of this server who is in the room and may invite (the auth rules check it).
 */
import { Errors, effectivePowerLevels, serverNameOf, userPowerLevel, type RoomEvent, type RoomVersion } from '@lattice/core';
import type { ClientApiContext } from '../../context.js';
import { powerStateLookup } from './power-state.js';

/** Does this join rule make a join without invite go through the allow list? */
export function isRestrictedJoinRule(joinRule: unknown, version: RoomVersion): boolean {
  return (
    (joinRule === 'restricted' && version.restrictedJoinRule) ||
    (joinRule === 'knock_restricted' && version.knockRestrictedJoinRule)
  );
}

function allowedRoomIds(joinRules: RoomEvent): string[] {
  const allow = joinRules.content['allow'];
  if (!Array.isArray(allow)) return [];
  return allow.flatMap((entry: unknown) => {
    const e = entry as Record<string, unknown> | null;
    return e !== null && typeof e === 'object' && e['type'] === 'm.room_membership' && typeof e['room_id'] === 'string' ? [e['room_id']] : [];
  });
}

/** The user to name in join_authorised_via_users_server, or 403 M_FORBIDDEN when the join is not allowed. */
export async function restrictedJoinAuthoriser(
  ctx: ClientApiContext,
  roomId: string,
  version: RoomVersion,
  joinRules: RoomEvent,
  userId: string,
): Promise<string> {
  const { store } = ctx.rooms;
  let allowed = false;
  for (const allowedRoom of allowedRoomIds(joinRules)) {
    if ((await store.membership(allowedRoom, userId))?.membership === 'join') {
      allowed = true;
      break;
    }
  }
  if (!allowed) throw Errors.forbidden('You are not invited to this room, nor joined to a room that grants access to it');

  const lookup = await powerStateLookup(ctx.rooms, roomId);
  const inviteLevel = effectivePowerLevels(lookup, version).invite;
  for (const member of (await store.joinedMembers(roomId)).keys()) {
    if (serverNameOf(member) === ctx.config.server_name && userPowerLevel(member, lookup, version) >= inviteLevel) return member;
  }
  throw Errors.forbidden('No user of this server in the room can authorise the join');
}
