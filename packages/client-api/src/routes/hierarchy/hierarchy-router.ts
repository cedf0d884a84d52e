/**
 * GET /_matrix/client/v1/rooms/{roomId}/hierarchy (space_hierarchy.yaml): the
 * walk (and its access rules) is hierarchy-walk.ts.
 */
import { Router, type Request, type Response } from 'express';
import type { ClientApiContext } from '../../context.js';
import { requesterOf, requireAuth } from '../../http/auth.js';
import { methodNotAllowed } from '../../http/unrecognized.js';
import { checkRoomId } from '../rooms/ids.js';
import { beforeRead } from '../rooms/read-your-writes.js';
import { encodeHierarchyToken, parseHierarchyQuery } from './hierarchy-params.js';
import { walkHierarchy } from './hierarchy-walk.js';
import { NO_REMOTE_HIERARCHY } from './remote-hierarchy.js';

/** Mounted under /_matrix/client/v1. ctx.remoteHierarchy (federation) fills in rooms held by other servers. */
export function hierarchyRouter(ctx: ClientApiContext): Router {
  const router = Router();

  async function hierarchy(req: Request<{ roomId: string }>, res: Response): Promise<void> {
    const { userId } = requesterOf(req);
    const roomId = checkRoomId(req.params.roomId);
    const query = parseHierarchyQuery(req, roomId);
    await beforeRead(ctx.rooms, userId);
    const page = await walkHierarchy(ctx, ctx.remoteHierarchy ?? NO_REMOTE_HIERARCHY, userId, query);
    const body: { rooms: typeof page.rooms; next_batch?: string } = { rooms: page.rooms };
    if (page.more) body.next_batch = encodeHierarchyToken({ ...query, skip: query.skip + page.rooms.length });
    res.json(body);
  }

  router.route('/rooms/:roomId/hierarchy').get(requireAuth(ctx), hierarchy).all(methodNotAllowed);
  return router;
}
