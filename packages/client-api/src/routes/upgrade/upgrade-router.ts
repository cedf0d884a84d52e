/**
 * POST /rooms/{roomId}/upgrade: validates the request, then upgrade-room.ts does
 * the work. A client retrying an upgrade (after a timed-out request) gets the
 * same replacement room instead of a second one: identical requests share the
 * running upgrade and, for a while after, its answer (as Synapse's response
 * cache does). Per process: replicas do not share it.
 */
import { Router, type Request, type Response } from 'express';
import type { ClientApiContext } from '../../context.js';
import { requesterOf, requireAuth } from '../../http/auth.js';
import { objectBody } from '../../http/body.js';
import { methodNotAllowed } from '../../http/unrecognized.js';
import { checkRoomId } from '../rooms/ids.js';
import { knownRoom } from '../rooms/room-lookup.js';
import { beforeRead } from '../rooms/read-your-writes.js';
import { upgradeRoom } from './upgrade-room.js';
import { parseUpgradeRequest, type UpgradeRequest } from './upgrade-request.js';

/** How long a finished upgrade's answer is replayed to identical requests. */
const REPLAY_MS = 5 * 60_000;

export function upgradeRouter(ctx: ClientApiContext): Router {
  const router = Router();
  const recent = new Map<string, Promise<string>>();

  async function run(roomId: string, userId: string, request: UpgradeRequest): Promise<string> {
    await beforeRead(ctx.rooms, userId);
    const room = await knownRoom(ctx, roomId);
    return upgradeRoom(ctx, room.roomId, room.version, userId, request);
  }

  function upgradeOnce(roomId: string, userId: string, request: UpgradeRequest): Promise<string> {
    const key = [roomId, userId, request.version.id, ...request.additionalCreators].join('\u0000');
    let upgrade = recent.get(key);
    if (upgrade === undefined) {
      upgrade = run(roomId, userId, request);
      recent.set(key, upgrade);
      const forget = () => void setTimeout(() => recent.delete(key), REPLAY_MS).unref();
      // A failed upgrade is not replayed: the client may fix the cause and retry.
      upgrade.then(forget, () => recent.delete(key));
    }
    return upgrade;
  }

  async function upgrade(req: Request<{ roomId: string }>, res: Response): Promise<void> {
    const { userId } = requesterOf(req);
    const roomId = checkRoomId(req.params.roomId);
    const request = parseUpgradeRequest(objectBody(req), userId);
    res.json({ replacement_room: await upgradeOnce(roomId, userId, request) });
  }

  router.route('/rooms/:roomId/upgrade').post(requireAuth(ctx), upgrade).all(methodNotAllowed);
  return router;
}
