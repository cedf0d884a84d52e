/** POST /search (search.yaml): server-side full-text search of room events. */
import { Router, type Request, type Response } from 'express';
import type { ClientApiContext } from '../../context.js';
import { requesterOf, requireAuth } from '../../http/auth.js';
import { objectBody } from '../../http/body.js';
import { methodNotAllowed } from '../../http/unrecognized.js';
import { beforeRead } from '../rooms/read-your-writes.js';
import { queryString } from '../timeline/params.js';
import { searchRoomEvents } from './room-events-search.js';
import { parseSearchRequest } from './search-request.js';
import { decodeSearchToken } from './search-token.js';

export function searchRouter(ctx: ClientApiContext): Router {
  const router = Router();

  async function search(req: Request, res: Response): Promise<void> {
    const requester = requesterOf(req);
    const criteria = parseSearchRequest(objectBody(req));
    const token = queryString(req, 'next_batch');
    if (criteria === undefined) {
      res.json({ search_categories: {} });
      return;
    }
    const cursor = token === undefined ? undefined : decodeSearchToken(token, criteria.orderBy);
    await beforeRead(ctx.rooms, requester.userId);
    res.json({ search_categories: { room_events: await searchRoomEvents(ctx, requester, criteria, cursor) } });
  }

  router.route('/search').post(requireAuth(ctx), search).all(methodNotAllowed);
  return router;
}
