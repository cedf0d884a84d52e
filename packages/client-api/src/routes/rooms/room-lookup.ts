/**
 * Finding the room a request names: a room id must be one we know (404
 * M_NOT_FOUND otherwise: remote rooms arrive with federation), an alias must
 * resolve through its server's directory.
 */
import { Errors, type RoomVersion } from '@lattice/core';
import type { ClientApiContext } from '../../context.js';
import { lookUpRoomAlias } from '../directory/aliases.js';
import { checkRoomId, checkRoomIdOrAlias } from './ids.js';

export interface KnownRoom {
  roomId: string;
  version: RoomVersion;
}

export async function knownRoom(ctx: ClientApiContext, roomId: string): Promise<KnownRoom> {
  const version = await ctx.rooms.store.roomVersion(checkRoomId(roomId));
  if (!version) throw Errors.notFound(`Unknown room ${roomId}`);
  return { roomId, version };
}

export async function knownRoomByIdOrAlias(ctx: ClientApiContext, roomIdOrAlias: string): Promise<KnownRoom> {
  const target = checkRoomIdOrAlias(roomIdOrAlias);
  if ('roomId' in target) return knownRoom(ctx, target.roomId);
  const roomId = (await lookUpRoomAlias(ctx, target.alias))?.room_id;
  if (roomId === undefined) throw Errors.notFound(`Room alias ${target.alias} not found`);
  return knownRoom(ctx, roomId);
}
