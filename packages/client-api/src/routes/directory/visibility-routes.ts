/**
 * GET/PUT /directory/list/room/{roomId} (list_public_rooms.yaml): a room's
 * visibility in the published room directory. Changing it is for room
 * moderators (those who may send m.room.canonical_alias) and server admins,
 * as Synapse decides.
 */
import { Errors } from '@lattice/core';
import { Router, type Request, type Response } from 'express';
import type { ClientApiContext } from '../../context.js';
import { requesterOf, requireAuth } from '../../http/auth.js';
import { objectBody } from '../../http/body.js';
import { methodNotAllowed } from '../../http/unrecognized.js';
import { optionalString } from '../../http/validate.js';
import { checkRoomId } from '../rooms/ids.js';
import { beforeRead } from '../rooms/read-your-writes.js';
import { canEditDirectoryEntry } from './directory-permissions.js';
import { getRoomVisibility, isRoomVisibility, setRoomVisibility } from './room-visibility.js';

type RoomParams = { roomId: string };

export function visibilityRouter(ctx: ClientApiContext): Router {
  const router = Router();
  const auth = requireAuth(ctx);

  async function get(req: Request<RoomParams>, res: Response): Promise<void> {
    const visibility = await getRoomVisibility(ctx.db, checkRoomId(req.params.roomId));
    if (visibility === undefined) throw Errors.notFound('Room not found');
    res.json({ visibility });
  }

  async function put(req: Request<RoomParams>, res: Response): Promise<void> {
    const { userId } = requesterOf(req);
    const roomId = checkRoomId(req.params.roomId);
    const visibility = optionalString(objectBody(req), 'visibility') ?? 'public';
    if (!isRoomVisibility(visibility)) throw Errors.invalidParam("'visibility' must be 'public' or 'private'");
    if ((await getRoomVisibility(ctx.db, roomId)) === undefined) throw Errors.notFound('Room not found');
    await beforeRead(ctx.rooms, userId);
    if (!(await canEditDirectoryEntry(ctx, roomId, userId))) throw Errors.forbidden('This user is not permitted to edit the room list');
    await setRoomVisibility(ctx.db, roomId, visibility);
    res.json({});
  }

  router.route('/directory/list/room/:roomId').get(get).put(auth, put).all(methodNotAllowed);
  return router;
}
