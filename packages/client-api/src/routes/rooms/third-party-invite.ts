/**
 * Inviting by third-party identifier (client-server "Third-party invites",
 * data/api/client-server/third_party_membership.yaml): the identity server is
 * asked who holds the 3PID (v2 hashed lookup); a bound user is invited as by
 * user_id; otherwise the identity server stores the invite (store-invite) and
 * the room gets an m.room.third_party_invite event (state key = the token) whose
 * keys the invitee's proof must later be signed with (federation /3pid/onbind).
 */
import { Errors, effectivePowerLevels, userPowerLevel, type RoomEvent } from '@lattice/core';
import type { ClientApiContext } from '../../context.js';
import type { Requester } from '../../http/request-types.js';
import { requireString } from '../../http/validate.js';
import { isShadowBanned } from '../../accounts/shadow-ban.js';
import { canonicalAddress, checkIdServer } from '../../identity/identity-server-client.js';
import { identityServersOf } from '../../identity/identity-servers.js';
import { limitInvites } from '../../ratelimit/membership-limits.js';
import { getProfile } from '../../stores/profiles.js';
import { inviteUser } from './invite-user.js';
import { powerStateLookup } from './power-state.js';
import { afterWrite } from './read-your-writes.js';
import { knownRoom } from './room-lookup.js';

type Body = Record<string, unknown>;

/** The third-party form of /invite: no user_id, but the 3PID fields. */
export function isThirdPartyInvite(body: Body): boolean {
  return body['user_id'] === undefined && ['id_server', 'medium', 'address'].some((key) => body[key] !== undefined);
}

export async function inviteByThirdPartyId(ctx: ClientApiContext, requester: Requester, roomId: string, body: Body): Promise<void> {
  const idServer = checkIdServer(requireString(body, 'id_server'));
  const accessToken = requireString(body, 'id_access_token');
  const medium = requireString(body, 'medium');
  const address = requireString(body, 'address');
  const room = await knownRoom(ctx, roomId);
  const inviter = requester.userId;
  if (isShadowBanned(requester)) return;
  // Refused before the identity server hears of the invite (it would mail the invitee).
  await assertMayInvite(ctx, room.roomId, inviter);
  const identity = identityServersOf(ctx);
  const mxid = await identity.lookup(idServer, accessToken, medium, address);
  if (mxid !== undefined) return inviteUser(ctx, room.roomId, inviter, mxid);

  await limitInvites(ctx, inviter, room.roomId, [`${medium}:${canonicalAddress(medium, address)}`]);
  const stored = await identity.storeInvite(idServer, accessToken, {
    medium,
    address,
    room_id: room.roomId,
    sender: inviter,
    ...(await inviteDetails(ctx, room.roomId, inviter)),
  });
  // The first key is the identity server's long-term key: the one the older single-key fields name.
  const [first] = stored.publicKeys;
  const result = await ctx.rooms.persister.createEvent({
    room_id: room.roomId,
    type: 'm.room.third_party_invite',
    state_key: stored.token,
    sender: inviter,
    content: {
      display_name: stored.displayName,
      key_validity_url: first!.key_validity_url,
      public_key: first!.public_key,
      public_keys: stored.publicKeys,
    },
  });
  await afterWrite(ctx.rooms, inviter, result.streamOrdering);
}

/** The inviter must be joined with the invite power level (the auth rules of m.room.third_party_invite). */
async function assertMayInvite(ctx: ClientApiContext, roomId: string, inviter: string): Promise<void> {
  const member = await ctx.rooms.store.membership(roomId, inviter);
  if (member?.membership !== 'join') throw Errors.forbidden(`${inviter} is not in the room`);
  const version = await ctx.rooms.store.roomVersion(roomId);
  if (version === undefined) throw Errors.notFound(`Unknown room ${roomId}`);
  const lookup = await powerStateLookup(ctx.rooms, roomId);
  if (userPowerLevel(inviter, lookup, version) < effectivePowerLevels(lookup, version).invite) {
    throw Errors.forbidden(`${inviter} does not have the power level to invite`);
  }
}

/** store-invite's optional fields, for the identity server's message to the invitee. */
async function inviteDetails(ctx: ClientApiContext, roomId: string, inviter: string): Promise<Record<string, string>> {
  const { store } = ctx.rooms;
  const [create, alias, avatar, joinRules, name, profile] = await Promise.all([
    store.currentStateEvent(roomId, 'm.room.create', ''),
    store.currentStateEvent(roomId, 'm.room.canonical_alias', ''),
    store.currentStateEvent(roomId, 'm.room.avatar', ''),
    store.currentStateEvent(roomId, 'm.room.join_rules', ''),
    store.currentStateEvent(roomId, 'm.room.name', ''),
    getProfile(ctx.db, inviter),
  ]);
  const details: Record<string, string> = {};
  const put = (key: string, event: RoomEvent | undefined, field: string) => {
    const value = event?.content[field];
    if (typeof value === 'string' && value !== '') details[key] = value;
  };
  put('room_alias', alias?.event, 'alias');
  put('room_avatar_url', avatar?.event, 'url');
  put('room_join_rules', joinRules?.event, 'join_rule');
  put('room_name', name?.event, 'name');
  put('room_type', create?.event, 'type');
  if (profile?.displayname) details['sender_display_name'] = profile.displayname;
  if (profile?.avatar_url) details['sender_avatar_url'] = profile.avatar_url;
  return details;
}
