/**
 * POST /_synapse/admin/v1/rooms/{roomIdOrAlias}/make_room_admin: gives a local
 * user (body user_id, default the requesting admin) the highest power level a
 * local member of the room has, acting as that member: an invite first when
 * the room is not public, the user's own join, then an m.room.power_levels
 * event sent by that member. Every step is a real event through the
 * persister, so the room's auth rules decide.
 */
import {
  Errors,
  effectivePowerLevels,
  isValidUserId,
  requiredPowerForEvent,
  roomCreators,
  userPowerLevel,
  type RoomEvent,
  type StateLookup,
} from '@lattice/core';
import {
  afterWrite,
  joinRoom,
  optionalObjectBody,
  requesterOf,
  roomIdOfAlias,
  sendMemberEvent,
  type ClientApiContext,
} from '@lattice/client-api';
import { Router, type Request, type Response } from 'express';
import { adminRoom, isLocalUser, type AdminRoom } from '../../rooms/admin-room.js';

async function stateLookup(ctx: ClientApiContext, roomId: string): Promise<StateLookup> {
  const events = new Map<string, RoomEvent>();
  for (const stored of await ctx.rooms.store.currentStateEvents(roomId)) {
    events.set(`${stored.event.type}\u0000${stored.event.state_key}`, stored.event);
  }
  return (type, stateKey) => events.get(`${type}\u0000${stateKey}`);
}

/** The joined local member with the highest power level, if it may change the power levels. */
async function localAdmin(ctx: ClientApiContext, room: AdminRoom, state: StateLookup): Promise<{ userId: string; level: number } | undefined> {
  const members = [...(await ctx.rooms.store.joinedMembers(room.roomId)).keys()].filter((u) => isLocalUser(ctx, u));
  let best: { userId: string; level: number } | undefined;
  for (const userId of members.sort()) {
    const level = userPowerLevel(userId, state, room.version);
    if (!best || level > best.level) best = { userId, level };
  }
  const needed = requiredPowerForEvent('m.room.power_levels', true, effectivePowerLevels(state, room.version));
  return best && best.level >= needed ? best : undefined;
}

async function resolveRoomId(ctx: ClientApiContext, idOrAlias: string): Promise<string> {
  if (!idOrAlias.startsWith('#')) return idOrAlias;
  const roomId = await roomIdOfAlias(ctx, idOrAlias);
  if (roomId === undefined) throw Errors.notFound(`Room alias ${idOrAlias} not found`);
  return roomId;
}

export function makeRoomAdminRouter(ctx: ClientApiContext): Router {
  const router = Router();
  router.post('/v1/rooms/:roomIdOrAlias/make_room_admin', async (req: Request<{ roomIdOrAlias: string }>, res: Response) => {
    const body = optionalObjectBody(req);
    const target = body['user_id'] ?? requesterOf(req).userId;
    if (typeof target !== 'string' || !isValidUserId(target)) throw Errors.invalidParam("'user_id' must be a user id");
    if (!isLocalUser(ctx, target)) throw Errors.badJson('Can only make local users admins in rooms');
    const room = await adminRoom(ctx, await resolveRoomId(ctx, req.params.roomIdOrAlias));
    let state = await stateLookup(ctx, room.roomId);
    const admin = await localAdmin(ctx, room, state);
    if (!admin) throw Errors.badJson('No local admin user in room');
    const create = state('m.room.create', '');
    if (create && room.version.privilegedCreators && roomCreators(create, room.version).includes(target)) {
      return void res.json({}); // v12 creators already have every power
    }

    if (state('m.room.member', target)?.content['membership'] !== 'join') {
      if (state('m.room.join_rules', '')?.content['join_rule'] !== 'public') {
        await sendMemberEvent(ctx, { roomId: room.roomId, sender: admin.userId, target, membership: 'invite' });
      }
      await joinRoom(ctx, room, target);
      state = await stateLookup(ctx, room.roomId);
    }

    // An infinitely powerful v12 creator grants the highest finite level in the room (at least 100).
    const levels = state('m.room.power_levels', '')?.content ?? {};
    const users = { ...((levels['users'] as Record<string, number> | undefined) ?? {}) };
    const grant = Number.isFinite(admin.level) ? admin.level : Math.max(100, ...Object.values(users).filter(Number.isFinite));
    if (userPowerLevel(target, state, room.version) < grant) {
      users[target] = grant;
      const result = await ctx.rooms.persister.createEvent({
        room_id: room.roomId,
        type: 'm.room.power_levels',
        state_key: '',
        sender: admin.userId,
        content: { ...levels, users },
      });
      await afterWrite(ctx.rooms, target, result.streamOrdering);
    }
    res.json({});
  });
  return router;
}
