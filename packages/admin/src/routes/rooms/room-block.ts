/**
 * PUT/GET /_synapse/admin/v1/rooms/{roomId}/block: a blocked room refuses
 * joins of local users (403). Any valid room id may be blocked, also one this
 * server does not hold yet.
 */
import { Errors } from '@lattice/core';
import { objectBody, requesterOf, roomBlockedBy, type ClientApiContext } from '@lattice/client-api';
import { Router, type Request, type Response } from 'express';
import { checkRoomId } from '../../rooms/admin-room.js';
import { blockRoom, unblockRoom } from '../../rooms/room-blocks.js';

type RoomParams = { roomId: string };

export function roomBlockRouter(ctx: ClientApiContext): Router {
  const router = Router();
  router.put('/v1/rooms/:roomId/block', async (req: Request<RoomParams>, res: Response) => {
    const roomId = checkRoomId(req.params.roomId);
    const block = objectBody(req)['block'];
    if (typeof block !== 'boolean') throw Errors.badJson("'block' must be a boolean");
    if (block) await blockRoom(ctx.db, roomId, requesterOf(req).userId);
    else await unblockRoom(ctx.db, roomId);
    res.json({ block });
  });
  router.get('/v1/rooms/:roomId/block', async (req: Request<RoomParams>, res: Response) => {
    const by = await roomBlockedBy(ctx.db, checkRoomId(req.params.roomId));
    res.json(by === undefined ? { block: false } : { block: true, user_id: by });
  });
  return router;
}
