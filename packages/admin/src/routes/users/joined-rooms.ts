/**
 * GET /_synapse/admin/v1/users/<user_id>/joined_rooms: every room a local
 * user is joined to; for another server's user, the rooms this server shares
 * with them (as Synapse answers).
 */
import type { ClientApiContext } from '@lattice/client-api';
import { Errors, isValidUserId, serverNameOf } from '@lattice/core';
import { Router, type Request, type Response } from 'express';
import { existingLocalUser } from '../../http/target-user.js';
import { roomsJoinedByRemoteUser } from '../../stores/remote-joined-rooms.js';

export function joinedRoomsRouter(ctx: ClientApiContext): Router {
  const router = Router();

  async function joinedRooms(req: Request<{ userId: string }>, res: Response): Promise<void> {
    const { userId } = req.params;
    if (!isValidUserId(userId)) throw Errors.invalidParam(`Invalid user id: ${userId}`);
    let rooms: string[];
    if (serverNameOf(userId) === ctx.config.server_name) {
      const user = await existingLocalUser(ctx, userId);
      rooms = (await ctx.rooms.store.roomsForUser(user.userId, ['join'])).map((r) => r.roomId);
    } else {
      rooms = await roomsJoinedByRemoteUser(ctx.db, userId);
    }
    res.json({ joined_rooms: rooms, total: rooms.length });
  }

  router.get('/v1/users/:userId/joined_rooms', joinedRooms);
  return router;
}
