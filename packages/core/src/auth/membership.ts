/**
 * The m.room.member auth rule (rule 5 of v1–5, 4 of v6–11, 5 of v12): join,
 * invite (including third-party invites), leave/kick/unban, ban and knock.
 * Sources: content/rooms/v1.md, v7.md (knock), v8.md (restricted joins),
 * v10.md (knock_restricted), v11.md and v12.md (the creator's first join).
 */
import type { EventReference, RoomEvent } from '../events/pdu.js';
import type { RoomVersion } from '../room-versions.js';
import { DEFAULT_POWER_LEVELS, powerLevelFor, powerLevelsOf, roomCreatorOf, type PowerLevels } from './power-levels.js';
import { verifyThirdPartyInviteSignature, thirdPartyInvitePublicKeys } from './third-party-invite.js';
import { ALLOW, isObject, reject, type AuthDecision, type AuthOptions, type StateLookup } from './types.js';
import { isValidUserId } from '../identifiers/user-id.js';
import { serverNameOf } from '../identifiers/server-name.js';

/** Everything the membership rule reads, looked up once by authorizeEvent. */
export interface MembershipContext {
  readonly state: StateLookup;
  readonly version: RoomVersion;
  readonly create: RoomEvent;
  readonly powerLevelsEvent: RoomEvent | undefined;
  readonly options: AuthOptions | undefined;
}

export function membershipOf(state: StateLookup, userId: string): string | undefined {
  const m = state('m.room.member', userId)?.content['membership'];
  return typeof m === 'string' ? m : undefined;
}

/** The room's join rule; a room without m.room.join_rules is invite-only. */
function joinRuleOf(state: StateLookup): string {
  const rule = state('m.room.join_rules', '')?.content['join_rule'];
  return typeof rule === 'string' ? rule : 'invite';
}

function referenceId(ref: EventReference): string {
  return typeof ref === 'string' ? ref : ref[0];
}

export function authorizeMembership(event: RoomEvent, ctx: MembershipContext): AuthDecision {
  const target = event.state_key;
  const membership = event.content['membership'];
  if (target === undefined || membership === undefined) {
    return reject('m.room.member needs a state_key and content.membership');
  }

  const { version } = ctx;
  if (version.restrictedJoinRule && event.content['join_authorised_via_users_server'] !== undefined) {
    const authoriser = event.content['join_authorised_via_users_server'];
    // The signature itself is verified with the other signatures on receipt; the
    // rule here is that the authorising server must be among the signers.
    if (typeof authoriser !== 'string' || !isValidUserId(authoriser)) {
      return reject('join_authorised_via_users_server is not a user id');
    }
    const byServer = event.signatures[serverNameOf(authoriser)!];
    if (!isObject(byServer) || Object.keys(byServer).length === 0) {
      return reject("event is not signed by join_authorised_via_users_server's server");
    }
  }

  switch (membership) {
    case 'join':
      return authorizeJoin(event, target, ctx);
    case 'invite':
      return authorizeInvite(event, target, ctx);
    case 'leave':
      return authorizeLeave(event, target, ctx);
    case 'ban':
      return authorizeBan(event, target, ctx);
    case 'knock':
      if (version.knockJoinRule) return authorizeKnock(event, target, ctx);
      return reject('knock is not supported in this room version');
    default:
      return reject(`unknown membership '${String(membership)}'`);
  }
}

function levels(ctx: MembershipContext): PowerLevels {
  return ctx.powerLevelsEvent === undefined ? DEFAULT_POWER_LEVELS : powerLevelsOf(ctx.powerLevelsEvent, ctx.version);
}

function levelOf(userId: string, ctx: MembershipContext): number {
  return powerLevelFor(userId, ctx.create, ctx.powerLevelsEvent, ctx.version);
}

function authorizeJoin(event: RoomEvent, target: string, ctx: MembershipContext): AuthDecision {
  const { version, state, create } = ctx;
  // The creator's own first join, straight after the create event.
  if (event.prev_events.length === 1 && referenceId(event.prev_events[0]!) === create.event_id) {
    const creator = version.privilegedCreators ? create.sender : roomCreatorOf(create, version);
    if (creator === target) return ALLOW;
  }
  if (event.sender !== target) return reject('cannot join on behalf of another user');

  const current = membershipOf(state, target);
  if (current === 'ban') return reject('user is banned');

  const joinRule = joinRuleOf(state);
  if (joinRule === 'invite' || (joinRule === 'knock' && version.knockJoinRule)) {
    return current === 'invite' || current === 'join' ? ALLOW : reject('join rule requires an invite');
  }
  if (
    (joinRule === 'restricted' && version.restrictedJoinRule) ||
    (joinRule === 'knock_restricted' && version.knockRestrictedJoinRule)
  ) {
    if (current === 'join' || current === 'invite') return ALLOW;
    const authoriser = event.content['join_authorised_via_users_server'];
    if (typeof authoriser !== 'string' || membershipOf(state, authoriser) !== 'join') {
      return reject('restricted join is not authorised by a joined member');
    }
    if (levelOf(authoriser, ctx) < levels(ctx).invite) {
      return reject('restricted join authoriser cannot invite');
    }
    return ALLOW;
  }
  if (joinRule === 'public') return ALLOW;
  return reject(`join rule '${joinRule}' does not allow joining`);
}

function authorizeInvite(event: RoomEvent, target: string, ctx: MembershipContext): AuthDecision {
  const { state } = ctx;
  const targetMembership = membershipOf(state, target);
  const thirdParty = event.content['third_party_invite'];
  if (thirdParty !== undefined) {
    if (targetMembership === 'ban') return reject('target user is banned');
    const signed = isObject(thirdParty) ? thirdParty['signed'] : undefined;
    if (!isObject(signed)) return reject('third_party_invite has no signed object');
    const mxid = signed['mxid'];
    const token = signed['token'];
    if (typeof mxid !== 'string' || typeof token !== 'string') {
      return reject('third_party_invite.signed needs mxid and token');
    }
    if (mxid !== target) return reject('third_party_invite mxid does not match state_key');
    const invite = state('m.room.third_party_invite', token);
    if (invite === undefined) return reject('no m.room.third_party_invite for this token');
    if (invite.sender !== event.sender) return reject('sender did not send the m.room.third_party_invite');
    const verifyInvite = ctx.options?.verifyThirdPartyInvite ?? verifyThirdPartyInviteSignature;
    return verifyInvite(signed, thirdPartyInvitePublicKeys(invite.content))
      ? ALLOW
      : reject('third_party_invite signature does not match the invite public keys');
  }

  if (membershipOf(state, event.sender) !== 'join') return reject('sender is not joined to the room');
  if (targetMembership === 'join' || targetMembership === 'ban') {
    return reject(`target user is already ${targetMembership === 'join' ? 'joined' : 'banned'}`);
  }
  return levelOf(event.sender, ctx) >= levels(ctx).invite ? ALLOW : reject('sender cannot invite');
}

function authorizeLeave(event: RoomEvent, target: string, ctx: MembershipContext): AuthDecision {
  const { state, version } = ctx;
  const senderMembership = membershipOf(state, event.sender);
  if (event.sender === target) {
    return senderMembership === 'invite' ||
      senderMembership === 'join' ||
      (senderMembership === 'knock' && version.knockJoinRule)
      ? ALLOW
      : reject('cannot leave a room one is not in');
  }
  if (senderMembership !== 'join') return reject('sender is not joined to the room');
  const pl = levels(ctx);
  const senderLevel = levelOf(event.sender, ctx);
  if (membershipOf(state, target) === 'ban' && senderLevel < pl.ban) return reject('sender cannot unban');
  if (senderLevel >= pl.kick && levelOf(target, ctx) < senderLevel) return ALLOW;
  return reject('sender cannot kick this user');
}

function authorizeBan(event: RoomEvent, target: string, ctx: MembershipContext): AuthDecision {
  if (membershipOf(ctx.state, event.sender) !== 'join') return reject('sender is not joined to the room');
  const senderLevel = levelOf(event.sender, ctx);
  if (senderLevel >= levels(ctx).ban && levelOf(target, ctx) < senderLevel) return ALLOW;
  return reject('sender cannot ban this user');
}

function authorizeKnock(event: RoomEvent, target: string, ctx: MembershipContext): AuthDecision {
  const { state, version } = ctx;
  const joinRule = joinRuleOf(state);
  if (joinRule !== 'knock' && !(joinRule === 'knock_restricted' && version.knockRestrictedJoinRule)) {
    return reject('join rule does not allow knocking');
  }
  if (event.sender !== target) return reject('cannot knock on behalf of another user');
  const current = membershipOf(state, event.sender);
  if (current === 'ban' || current === 'invite' || current === 'join') {
    return reject(`cannot knock while ${current === 'ban' ? 'banned' : current === 'invite' ? 'invited' : 'joined'}`);
  }
  return ALLOW;
}
