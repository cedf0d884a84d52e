/**
 * Room membership (client-server "Room membership", data/api/client-server/
 * joining.yaml, inviting.yaml, leaving.yaml, kicking.yaml, banning.yaml,
 * knocking.yaml): every change is an m.room.member event through the
 * persister, so the room version's auth rules decide (403 M_FORBIDDEN with the
 * reason when they refuse). Joins through restricted join rules get an
 * authorising user here (restricted-join.ts).
 */
import { Errors, MatrixError } from '@lattice/core';
import { Router, type Request, type Response } from 'express';
import type { ClientApiContext } from '../../context.js';
import { requesterOf, requireAuth } from '../../http/auth.js';
import { objectBody, optionalObjectBody } from '../../http/body.js';
import { methodNotAllowed } from '../../http/unrecognized.js';
import { optionalString, requireString } from '../../http/validate.js';
import { isShadowBanned } from '../../accounts/shadow-ban.js';
import { checkRoomId, checkUserId } from './ids.js';
import { assertGuestsCanJoin } from './guest-access.js';
import { inviteUser } from './invite-user.js';
import { inviteByThirdPartyId, isThirdPartyInvite } from './third-party-invite.js';
import { joinThroughFederation, knockThroughFederation, leaveThroughFederation, viaServers } from './remote-membership.js';
import { assertNotRejectingServerNotices } from './server-notice-invite.js';
import { joinChanges, memberContent, sendMemberEvent, type MembershipChangeRequest } from './member-events.js';
import { isRestrictedJoinRule, restrictedJoinAuthoriser } from './restricted-join.js';
import { afterWrite } from './read-your-writes.js';
import { limitJoin } from '../../ratelimit/membership-limits.js';
import { knownRoom, knownRoomByIdOrAlias, type KnownRoom } from './room-lookup.js';
import { assertRoomNotBlocked } from './blocked-rooms.js';

/** Memberships a room can be forgotten from. */
const FORGETTABLE = new Set(['leave', 'ban']);

type RoomParams = { roomId: string };

interface TargetRule {
  memberships: ReadonlySet<string>;
  refusal: string;
}
const KICKABLE: TargetRule = { memberships: new Set(['join', 'invite', 'knock']), refusal: 'is not in the room' };
const BANNED: TargetRule = { memberships: new Set(['ban']), refusal: 'is not banned from the room' };
type RoomOrAliasParams = { roomIdOrAlias: string };

/** Joins `userId` to a known room (a no-op when already joined with the same profile). */
export async function joinRoom(ctx: ClientApiContext, room: KnownRoom, userId: string, reason?: string): Promise<void> {
  await assertRoomNotBlocked(ctx.db, room.roomId);
  const { store, persister } = ctx.rooms;
  const change: MembershipChangeRequest = { roomId: room.roomId, sender: userId, target: userId, membership: 'join', reason };
  const [current, joinRules] = await Promise.all([
    store.currentStateEvent(room.roomId, 'm.room.member', userId),
    store.currentStateEvent(room.roomId, 'm.room.join_rules', ''),
  ]);
  const membership = current?.event.content['membership'];
  if (joinRules && membership !== 'join' && membership !== 'invite' && isRestrictedJoinRule(joinRules.event.content['join_rule'], room.version)) {
    const authoriser = await restrictedJoinAuthoriser(ctx, room.roomId, room.version, joinRules.event, userId);
    change.extra = { join_authorised_via_users_server: authoriser };
  }
  const content = await memberContent(ctx, change);
  if (!joinChanges(current?.event, content)) return;
  const result = await persister.createEvent({ room_id: room.roomId, type: 'm.room.member', state_key: userId, sender: userId, content });
  await afterWrite(ctx.rooms, userId, result.streamOrdering);
}

export function membershipRouter(ctx: ClientApiContext): Router {
  const router = Router();
  const auth = requireAuth(ctx);

  async function joinByIdOrAlias(req: Request<RoomOrAliasParams>, res: Response): Promise<void> {
    const { userId, isGuest } = requesterOf(req);
    // server_name / via only matter for rooms on other servers (federation).
    const reason = optionalString(optionalObjectBody(req), 'reason');
    if (req.params.roomIdOrAlias.startsWith('!')) await assertRoomNotBlocked(ctx.db, req.params.roomIdOrAlias);
    const remoteRoomId = isGuest ? undefined : await joinThroughFederation(ctx, req.params.roomIdOrAlias, userId, viaServers(req.query), reason);
    if (remoteRoomId !== undefined) return void res.json({ room_id: remoteRoomId });
    const room = await knownRoomByIdOrAlias(ctx, req.params.roomIdOrAlias);
    if (isGuest) await assertGuestsCanJoin(ctx, room.roomId);
    await limitJoin(ctx, userId, room.roomId, 'local');
    await joinRoom(ctx, room, userId, reason);
    res.json({ room_id: room.roomId });
  }

  async function joinById(req: Request<RoomParams>, res: Response): Promise<void> {
    const { userId, isGuest } = requesterOf(req);
    const reason = optionalString(optionalObjectBody(req), 'reason');
    await assertRoomNotBlocked(ctx.db, req.params.roomId);
    const remoteRoomId = isGuest ? undefined : await joinThroughFederation(ctx, req.params.roomId, userId, viaServers(req.query), reason);
    if (remoteRoomId !== undefined) return void res.json({ room_id: remoteRoomId });
    const room = await knownRoom(ctx, req.params.roomId);
    if (isGuest) await assertGuestsCanJoin(ctx, room.roomId);
    await limitJoin(ctx, userId, room.roomId, 'local');
    await joinRoom(ctx, room, userId, reason);
    res.json({ room_id: room.roomId });
  }

  async function knock(req: Request<RoomOrAliasParams>, res: Response): Promise<void> {
    const { userId } = requesterOf(req);
    const reason = optionalString(optionalObjectBody(req), 'reason');
    const remoteRoomId = await knockThroughFederation(ctx, req.params.roomIdOrAlias, userId, viaServers(req.query), reason);
    if (remoteRoomId !== undefined) return void res.json({ room_id: remoteRoomId });
    const room = await knownRoomByIdOrAlias(ctx, req.params.roomIdOrAlias);
    if (!room.version.knockJoinRule) throw Errors.forbidden(`Room version ${room.version.id} does not support knocking`);
    await sendMemberEvent(ctx, { roomId: room.roomId, sender: userId, target: userId, membership: 'knock', reason });
    res.json({ room_id: room.roomId });
  }

  async function leave(req: Request<RoomParams>, res: Response): Promise<void> {
    const { userId } = requesterOf(req);
    const reason = optionalString(optionalObjectBody(req), 'reason');
    if (await leaveThroughFederation(ctx, checkRoomId(req.params.roomId), userId, reason)) return void res.json({});
    const room = await knownRoom(ctx, req.params.roomId);
    await assertNotRejectingServerNotices(ctx, room.roomId, userId);
    await sendMemberEvent(ctx, { roomId: room.roomId, sender: userId, target: userId, membership: 'leave', reason });
    res.json({});
  }

  /**
   * POST /forget: the user's history of a room they are no longer in. Joined,
   * invited or knocking users must leave first (400 M_UNKNOWN, as the spec shows);
   * without any membership there is nothing to forget, which is not an error.
   */
  async function forget(req: Request<RoomParams>, res: Response): Promise<void> {
    const { userId } = requesterOf(req);
    const roomId = checkRoomId(req.params.roomId);
    const member = await ctx.rooms.store.membership(roomId, userId);
    if (member && !FORGETTABLE.has(member.membership)) throw new MatrixError(400, 'M_UNKNOWN', `User ${userId} is in room ${roomId}`);
    if (member) await ctx.rooms.store.forgetRoom(userId, roomId, member.eventId);
    res.json({});
  }

  /**
   * invite, kick, ban, unban: an action of the requester on `user_id`. Kick and
   * unban both send `leave`, so each first checks the target's membership is the
   * one it acts on (a kick of a banned user would be an unban).
   */
  function actOnUser(membership: 'invite' | 'leave' | 'ban', targetRule?: TargetRule) {
    return async (req: Request<RoomParams>, res: Response): Promise<void> => {
      const requester = requesterOf(req);
      const { userId } = requester;
      const body = objectBody(req);
      if (membership === 'invite' && isThirdPartyInvite(body)) {
        await inviteByThirdPartyId(ctx, requester, req.params.roomId, body);
        return void res.json({});
      }
      const target = checkUserId(requireString(body, 'user_id'));
      const reason = optionalString(body, 'reason');
      const room = await knownRoom(ctx, req.params.roomId);
      if (membership === 'invite') {
        if (!isShadowBanned(requester)) await inviteUser(ctx, room.roomId, userId, target, reason);
        return void res.json({});
      }
      if (targetRule) {
        const current = (await ctx.rooms.store.membership(room.roomId, target))?.membership;
        if (current === undefined || !targetRule.memberships.has(current)) throw Errors.forbidden(`${target} ${targetRule.refusal}`);
      }
      await sendMemberEvent(ctx, { roomId: room.roomId, sender: userId, target, membership, reason });
      res.json({});
    };
  }

  router.route('/join/:roomIdOrAlias').post(auth, joinByIdOrAlias).all(methodNotAllowed);
  router.route('/knock/:roomIdOrAlias').post(auth, knock).all(methodNotAllowed);
  router.route('/rooms/:roomId/join').post(auth, joinById).all(methodNotAllowed);
  router.route('/rooms/:roomId/leave').post(auth, leave).all(methodNotAllowed);
  router.route('/rooms/:roomId/forget').post(auth, forget).all(methodNotAllowed);
  router.route('/rooms/:roomId/invite').post(auth, actOnUser('invite')).all(methodNotAllowed);
  router.route('/rooms/:roomId/kick').post(auth, actOnUser('leave', KICKABLE)).all(methodNotAllowed);
  router.route('/rooms/:roomId/ban').post(auth, actOnUser('ban')).all(methodNotAllowed);
  router.route('/rooms/:roomId/unban').post(auth, actOnUser('leave', BANNED)).all(methodNotAllowed);
  return router;
}
