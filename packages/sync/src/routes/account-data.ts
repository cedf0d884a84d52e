/**
 * Account data (account-data.yaml): PUT/GET /user/{userId}/account_data/{type}
 * and /user/{userId}/rooms/{roomId}/account_data/{type}. Only one's own; the
 * types the server manages (m.fully_read, m.push_rules) are read-only here.
 */
import { Errors, MatrixError, isValidRoomId } from '@lattice/core';
import { methodNotAllowed, objectBody, requireAuth, type ClientApiContext } from '@lattice/client-api';
import { Router, type Request, type Response } from 'express';
import type { SyncServices } from '../services.js';
import { GLOBAL_ROOM, getAccountData, putAccountData } from '../stores/account-data.js';
import { requireOwnUser } from './own-user.js';

/** Account data types only the server writes (spec "Server Behaviour" of Client Config). */
const SERVER_MANAGED_TYPES: ReadonlySet<string> = new Set(['m.fully_read', 'm.push_rules']);

type Params = { userId: string; type: string; roomId?: string };

/** The room of a room-scoped path (400 M_INVALID_PARAM when malformed), GLOBAL_ROOM otherwise. */
export function accountDataRoom(roomId: string | undefined): string {
  if (roomId === undefined) return GLOBAL_ROOM;
  if (!isValidRoomId(roomId)) throw Errors.invalidParam('Invalid room ID');
  return roomId;
}

export function accountDataRouter(ctx: ClientApiContext, services: SyncServices): Router {
  const router = Router();
  const auth = requireAuth(ctx);

  async function put(req: Request<Params>, res: Response): Promise<void> {
    const { userId } = requireOwnUser(req, req.params.userId, 'add account data');
    const roomId = accountDataRoom(req.params.roomId);
    const { type } = req.params;
    if (SERVER_MANAGED_TYPES.has(type)) {
      throw new MatrixError(405, 'M_BAD_JSON', `Cannot set ${type} through this API`);
    }
    const content = objectBody(req);
    const position = await putAccountData(ctx.db, services.accountDataWriter, userId, roomId, type, content);
    await services.afterWrite(userId, 'account_data', position);
    res.json({});
  }

  async function get(req: Request<Params>, res: Response): Promise<void> {
    const { userId } = requireOwnUser(req, req.params.userId, 'read account data');
    const roomId = accountDataRoom(req.params.roomId);
    await services.beforeRead(userId);
    const content = await getAccountData(ctx.db, userId, roomId, req.params.type);
    if (content === undefined) throw Errors.notFound('Account data not found');
    res.json(content);
  }

  router.route('/user/:userId/account_data/:type').get(auth, get).put(auth, put).all(methodNotAllowed);
  router.route('/user/:userId/rooms/:roomId/account_data/:type').get(auth, get).put(auth, put).all(methodNotAllowed);
  return router;
}
