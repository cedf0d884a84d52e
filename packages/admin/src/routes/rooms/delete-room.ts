/**
 * Synapse's delete room API, version 2: DELETE /_synapse/admin/v2/rooms/{roomId}
 * starts a background deletion and answers its delete_id; its progress is at
 * GET /v2/rooms/{roomId}/delete_status (every deletion of the room) and
 * GET /v2/rooms/delete_status/{deleteId}. Version 1 (DELETE /v1/rooms/{roomId},
 * POST /v1/rooms/{roomId}/delete) waits for the deletion and answers its result.
 */
import { Errors } from '@lattice/core';
import { optionalObjectBody, type ClientApiContext, requesterOf } from '@lattice/client-api';
import { Router, type Request, type Response } from 'express';
import { optionalField } from '../../http/body-fields.js';
import { checkRoomId, isLocalUser } from '../../rooms/admin-room.js';
import { DEFAULT_MESSAGE, DEFAULT_ROOM_NAME } from '../../rooms/room-shutdown.js';
import { deleteJob, deleteJobsOfRoom, startRoomDeletion, type DeleteJob, type RoomDeletion } from '../../purge/room-delete-jobs.js';

const statusOf = ({ delete_id: _id, room_id: _room, ...status }: DeleteJob) => status;

export function deleteRoomRouter(ctx: ClientApiContext): Router {
  const router = Router();

  /** The request's deletion; refuses bad input before anything happens. */
  async function deletionOf(req: Request<{ roomId: string }>): Promise<RoomDeletion> {
    const roomId = checkRoomId(req.params.roomId);
    const body = optionalObjectBody(req);
    const block = optionalField(body, 'block', 'boolean') ?? false;
    const purge = optionalField(body, 'purge', 'boolean') ?? true;
    const forcePurge = optionalField(body, 'force_purge', 'boolean') ?? false;
    const newRoomUserId = optionalField(body, 'new_room_user_id', 'string');
    const roomName = optionalField(body, 'room_name', 'string') ?? DEFAULT_ROOM_NAME;
    const message = optionalField(body, 'message', 'string') ?? DEFAULT_MESSAGE;
    if (newRoomUserId !== undefined && !isLocalUser(ctx, newRoomUserId)) {
      throw Errors.badJson(`User must be our own: ${newRoomUserId}`);
    }
    const { rows } = await ctx.db.query('SELECT 1 FROM rooms WHERE room_id = $1', [roomId]);
    const known = rows.length > 0;
    // An unknown room can only be blocked ahead of time.
    if (!known && !block) throw Errors.notFound(`Unknown room ${roomId}`);
    return {
      roomId,
      requester: requesterOf(req).userId,
      block,
      purge,
      forcePurge,
      known,
      roomName,
      message,
      ...(newRoomUserId === undefined ? {} : { newRoomUserId }),
    };
  }

  router.delete('/v2/rooms/:roomId', async (req: Request<{ roomId: string }>, res: Response) => {
    const { deleteId } = await startRoomDeletion(ctx, await deletionOf(req));
    res.json({ delete_id: deleteId });
  });

  // Version 1: the same deletion, answered once it is over with the shutdown result.
  async function deleteNow(req: Request<{ roomId: string }>, res: Response): Promise<void> {
    const { deleteId, done } = await startRoomDeletion(ctx, await deletionOf(req));
    await done;
    const job = await deleteJob(ctx, deleteId);
    if (job?.status !== 'complete') throw Errors.unknown(job?.error ?? 'Room deletion failed');
    res.json(job.shutdown_room);
  }
  router.delete('/v1/rooms/:roomId', deleteNow);
  router.post('/v1/rooms/:roomId/delete', deleteNow);

  router.get('/v2/rooms/delete_status/:deleteId', async (req: Request<{ deleteId: string }>, res: Response) => {
    const job = await deleteJob(ctx, req.params.deleteId);
    if (!job) throw Errors.notFound('delete id not found');
    res.json(statusOf(job));
  });

  router.get('/v2/rooms/:roomId/delete_status', async (req: Request<{ roomId: string }>, res: Response) => {
    const jobs = await deleteJobsOfRoom(ctx, checkRoomId(req.params.roomId));
    if (jobs.length === 0) throw Errors.notFound('No delete task for room');
    res.json({ results: jobs.map(({ room_id: _room, ...job }) => job) });
  });
  return router;
}
