/**
 * POST /_synapse/admin/v1/purge_history/{roomId}[/{eventId}] and
 * GET /_synapse/admin/v1/purge_history_status/{purgeId} (Synapse's purge
 * history API): the purge point is the path's event, else
 * purge_up_to_event_id, else purge_up_to_ts; the purge runs in the background.
 */
import { Errors, isValidEventId } from '@lattice/core';
import { optionalObjectBody, type ClientApiContext } from '@lattice/client-api';
import { Router, type Request, type Response } from 'express';
import { optionalField } from '../http/body-fields.js';
import { adminRoom } from '../rooms/admin-room.js';
import { historyPurgeStatus, startHistoryPurge } from '../purge/history-purge-jobs.js';
import { pointBeforeEvent, pointBeforeTs } from '../purge/purge-point.js';
import type { PurgePoint } from '../purge/history-purge.js';

type PurgeParams = { roomId: string; eventId?: string };

export function purgeHistoryRouter(ctx: ClientApiContext): Router {
  const router = Router();

  async function purge(req: Request<PurgeParams>, res: Response): Promise<void> {
    const body = optionalObjectBody(req);
    const deleteLocal = optionalField(body, 'delete_local_events', 'boolean') ?? false;
    const eventId = req.params.eventId ?? optionalField(body, 'purge_up_to_event_id', 'string');
    const ts = optionalField(body, 'purge_up_to_ts', 'timestamp');
    if (eventId !== undefined && !isValidEventId(eventId)) throw Errors.invalidParam(`Invalid event id: ${eventId}`);
    const room = await adminRoom(ctx, req.params.roomId);
    let before: PurgePoint;
    if (eventId !== undefined) before = await pointBeforeEvent(ctx.db, room.roomId, eventId);
    else if (ts !== undefined) before = await pointBeforeTs(ctx.db, room.roomId, ts);
    else throw Errors.badJson('must specify purge_up_to_event_id or purge_up_to_ts');
    const { purgeId } = await startHistoryPurge(ctx, room.roomId, before, deleteLocal);
    res.json({ purge_id: purgeId });
  }

  router.post('/v1/purge_history/:roomId', purge);
  router.post('/v1/purge_history/:roomId/:eventId', purge);
  router.get('/v1/purge_history_status/:purgeId', async (req: Request<{ purgeId: string }>, res: Response) => {
    const status = await historyPurgeStatus(ctx, req.params.purgeId);
    if (!status) throw Errors.notFound('purge id not found');
    res.json(status);
  });
  return router;
}
