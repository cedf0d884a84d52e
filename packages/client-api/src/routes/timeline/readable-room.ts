/**
 * The common start of every timeline read: a well-formed room id (400), the
 * user's own writes caught up with (read-your-writes), and the right to read
 * the room at all (roomReadAccess: 403 M_FORBIDDEN for non-members of rooms
 * that are not world_readable, unknown rooms included).
 */
import { Errors, type RoomVersion } from '@lattice/core';
import { roomReadAccess, type RoomReadAccess } from '@lattice/rooms';
import type { Request } from 'express';
import type { ClientApiContext } from '../../context.js';
import { requesterOf } from '../../http/auth.js';
import type { Requester } from '../../http/request-types.js';
import { checkRoomId } from '../rooms/ids.js';
import { beforeRead } from '../rooms/read-your-writes.js';

export interface ReadableRoom {
  roomId: string;
  version: RoomVersion;
  access: RoomReadAccess;
  requester: Requester;
}

export async function openReadableRoom(ctx: ClientApiContext, req: Request<{ roomId: string }>): Promise<ReadableRoom> {
  const requester = requesterOf(req);
  const roomId = checkRoomId(req.params.roomId);
  await beforeRead(ctx.rooms, requester.userId);
  const access = await roomReadAccess(ctx.rooms.store, roomId, requester.userId);
  const version = await ctx.rooms.store.roomVersion(roomId);
  if (version === undefined) throw Errors.forbidden(`Room ${roomId} is not known to this server`);
  return { roomId, version, access, requester };
}
