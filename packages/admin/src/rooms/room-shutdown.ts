/**
 * Shutting a room down (the first step of Synapse's delete room API): every
 * local user with a join, invite or knock leaves with a real m.room.member
 * leave event of their own (always allowed by the auth rules), is moved to a
 * new room when one is asked for, and the room's local aliases are removed
 * (moved to the new room) and the room taken out of the directory.
 * Running it again on a result it filled in part (a resumed deletion) goes on
 * from there: the new room is not created twice, and users and aliases already
 * handled stay in the result.
 */
import {
  createRoom,
  joinRoom,
  parseCreateRoomRequest,
  sendMemberEvent,
  type ClientApiContext,
} from '@lattice/client-api';
import { isLocalUser } from './admin-room.js';

export interface ShutdownRequest {
  roomId: string;
  /** A local user who creates and administers the room the users move to. */
  newRoomUserId?: string;
  roomName: string;
  message: string;
}

/** Synapse's shutdown_room result. */
export interface ShutdownResult {
  kicked_users: string[];
  failed_to_kick_users: string[];
  local_aliases: string[];
  new_room_id: string | null;
}

export const DEFAULT_ROOM_NAME = 'Content Violation Notification';
export const DEFAULT_MESSAGE = 'Sharing illegal content on this server is not permitted and rooms in violation will be blocked.';

const REMOVED_MEMBERSHIPS = ['join', 'invite', 'knock'];

export function emptyShutdownResult(): ShutdownResult {
  return { kicked_users: [], failed_to_kick_users: [], local_aliases: [], new_room_id: null };
}

/** Called as the result grows, so a deletion's record shows what was done should its process stop. */
export type ShutdownProgress = (result: ShutdownResult) => Promise<void>;

export async function shutdownRoom(
  ctx: ClientApiContext,
  req: ShutdownRequest,
  result: ShutdownResult,
  progress: ShutdownProgress = async () => undefined,
): Promise<void> {
  const { roomId } = req;
  if (req.newRoomUserId !== undefined && result.new_room_id === null) {
    result.new_room_id = await createNewRoom(ctx, req);
    await progress(result);
  }
  const newRoom = result.new_room_id === null ? undefined : await ctx.rooms.store.roomVersion(result.new_room_id);

  const { rows: members } = await ctx.db.query<{ user_id: string }>(
    `SELECT state_key AS user_id FROM current_state_events
     WHERE room_id = $1 AND type = 'm.room.member' AND membership = ANY ($2::text[]) ORDER BY state_key`,
    [roomId, REMOVED_MEMBERSHIPS],
  );
  for (const { user_id: userId } of members) {
    if (!isLocalUser(ctx, userId)) continue;
    try {
      await sendMemberEvent(ctx, { roomId, sender: userId, target: userId, membership: 'leave' });
      const left = await ctx.rooms.store.membership(roomId, userId);
      if (left) await ctx.rooms.store.forgetRoom(userId, roomId, left.eventId);
      result.kicked_users.push(userId);
      await progress(result);
    } catch (err) {
      ctx.logger.warn({ err, roomId, userId }, 'could not remove a user from a room being shut down');
      if (!result.failed_to_kick_users.includes(userId)) result.failed_to_kick_users.push(userId);
      continue;
    }
    if (newRoom && result.new_room_id !== null && userId !== req.newRoomUserId) {
      try {
        await joinRoom(ctx, { roomId: result.new_room_id, version: newRoom }, userId);
      } catch (err) {
        ctx.logger.warn({ err, roomId: result.new_room_id, userId }, 'could not move a user to the replacement room');
      }
    }
  }

  const { rows: aliases } = await ctx.db.query<{ room_alias: string }>(
    'DELETE FROM room_aliases WHERE room_id = $1 RETURNING room_alias',
    [roomId],
  );
  const removed = aliases.map((a) => a.room_alias);
  result.local_aliases = [...new Set([...result.local_aliases, ...removed])].sort();
  if (result.new_room_id !== null) {
    for (const alias of removed) {
      await ctx.db.query(
        `INSERT INTO room_aliases (room_alias, room_id, creator, servers) VALUES ($1, $2, $3, $4) ON CONFLICT (room_alias) DO NOTHING`,
        [alias, result.new_room_id, req.newRoomUserId, [ctx.config.server_name]],
      );
    }
  }
  await ctx.db.query('UPDATE rooms SET is_public = FALSE WHERE room_id = $1', [roomId]);
}

async function createNewRoom(ctx: ClientApiContext, req: ShutdownRequest): Promise<string> {
  const creator = req.newRoomUserId!;
  const body = { preset: 'public_chat', name: req.roomName, power_level_content_override: { users_default: -10 } };
  const request = parseCreateRoomRequest(body, {
    creator,
    serverName: ctx.config.server_name,
    defaultRoomVersion: ctx.config.default_room_version,
  });
  const newRoomId = await createRoom(ctx, creator, request);
  await ctx.rooms.persister.createEvent({
    room_id: newRoomId,
    type: 'm.room.message',
    sender: creator,
    content: { msgtype: 'm.text', body: req.message },
  });
  return newRoomId;
}
