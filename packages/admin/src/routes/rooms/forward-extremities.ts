/**
 * GET/DELETE /_synapse/admin/v1/rooms/{roomId}/forward_extremities. DELETE
 * keeps only the newest extremity (by depth, then position), for rooms whose
 * DAG forked widely; it runs in the room's persister queue where the
 * persister is local, so its in-memory extremities are reloaded.
 */
import type { ClientApiContext } from '@lattice/client-api';
import type { EventPersister } from '@lattice/rooms';
import type { Queryable } from '@lattice/storage';
import { Router, type Request, type Response } from 'express';
import { adminRoom } from '../../rooms/admin-room.js';

type RoomParams = { roomId: string };

async function deleteAllButNewest(db: Queryable, roomId: string): Promise<number> {
  const { rows } = await db.query<{ event_id: string }>(
    `DELETE FROM event_forward_extremities WHERE room_id = $1 AND event_id <> (
       SELECT f.event_id FROM event_forward_extremities f JOIN events e ON e.event_id = f.event_id
       WHERE f.room_id = $1 ORDER BY e.topological_ordering DESC, e.stream_ordering DESC LIMIT 1)
     RETURNING event_id`,
    [roomId],
  );
  return rows.length;
}

export function forwardExtremitiesRouter(ctx: ClientApiContext): Router {
  const router = Router();
  router.get('/v1/rooms/:roomId/forward_extremities', async (req: Request<RoomParams>, res: Response) => {
    const { roomId } = await adminRoom(ctx, req.params.roomId);
    const { rows } = await ctx.db.query<{ event_id: string; state_group: number | null; depth: number; received_ts: number }>(
      `SELECT f.event_id, g.state_group, e.topological_ordering AS depth, e.received_ts
       FROM event_forward_extremities f JOIN events e ON e.event_id = f.event_id
       LEFT JOIN event_to_state_groups g ON g.event_id = f.event_id
       WHERE f.room_id = $1 ORDER BY e.topological_ordering, e.stream_ordering`,
      [roomId],
    );
    res.json({ count: rows.length, results: rows });
  });
  router.delete('/v1/rooms/:roomId/forward_extremities', async (req: Request<RoomParams>, res: Response) => {
    const { roomId } = await adminRoom(ctx, req.params.roomId);
    const persister = ctx.rooms.persister as Partial<EventPersister>;
    const deleted = persister.exclusive
      ? await persister.exclusive(roomId, async () => ({ result: await deleteAllButNewest(ctx.db, roomId), room: undefined }))
      : // A remote persister keeps citing the removed extremities as prev_events once: harmless.
        await deleteAllButNewest(ctx.db, roomId);
    res.json({ deleted });
  });
  return router;
}
