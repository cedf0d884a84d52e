/**
 * Reading rooms as a server admin (Synapse's rooms admin API): the room list,
 * a room's details, members and current state. Admins see every room the
 * server holds, whatever their membership.
 */
import type { ClientApiContext } from '@lattice/client-api';
import { toClientEvent } from '@lattice/rooms';
import { Router, type Request, type Response } from 'express';
import { enumParam, intParam, queryString } from '../../http/query-params.js';
import { adminRoom } from '../../rooms/admin-room.js';
import { ROOM_ORDERS, listRoomSummaries, roomSummary } from '../../rooms/room-summaries.js';

type RoomParams = { roomId: string };

export function roomReadsRouter(ctx: ClientApiContext): Router {
  const router = Router();

  router.get('/v1/rooms', async (req: Request, res: Response) => {
    const from = intParam(req, 'from', 0);
    const limit = intParam(req, 'limit', 100);
    const orderBy = enumParam(req, 'order_by', ROOM_ORDERS, 'name');
    const dir = enumParam(req, 'dir', ['f', 'b'] as const, 'f');
    const searchTerm = queryString(req, 'search_term');
    const { rooms, total } = await listRoomSummaries(ctx.db, ctx.config.server_name, { from, limit, orderBy, dir, searchTerm });
    const body: Record<string, unknown> = { rooms, offset: from, total_rooms: total };
    if (from + rooms.length < total) body.next_batch = from + rooms.length;
    if (from > 0) body.prev_batch = Math.max(0, from - limit);
    res.json(body);
  });

  router.get('/v1/rooms/:roomId', async (req: Request<RoomParams>, res: Response) => {
    const { roomId } = await adminRoom(ctx, req.params.roomId);
    const summary = await roomSummary(ctx.db, ctx.config.server_name, roomId);
    const { rows } = await ctx.db.query<{ avatar: string | null; topic: string | null; devices: number; forgotten: boolean }>(
      `SELECT
         (SELECT event_jsonb(e.json) -> 'content' ->> 'url' FROM current_state_events c JOIN events e ON e.event_id = c.event_id
          WHERE c.room_id = $1 AND c.type = 'm.room.avatar' AND c.state_key = '') AS avatar,
         (SELECT event_jsonb(e.json) -> 'content' ->> 'topic' FROM current_state_events c JOIN events e ON e.event_id = c.event_id
          WHERE c.room_id = $1 AND c.type = 'm.room.topic' AND c.state_key = '') AS topic,
         (SELECT count(*)::int FROM current_state_events c JOIN devices d ON d.user_id = c.state_key
          WHERE c.room_id = $1 AND c.type = 'm.room.member' AND c.membership = 'join') AS devices,
         (EXISTS (SELECT 1 FROM local_current_membership m WHERE m.room_id = $1)
          AND NOT EXISTS (SELECT 1 FROM local_current_membership m
                          LEFT JOIN forgotten_rooms f ON f.user_id = m.user_id AND f.room_id = m.room_id AND f.membership_event_id = m.event_id
                          WHERE m.room_id = $1 AND f.user_id IS NULL)) AS forgotten`,
      [roomId],
    );
    const extra = rows[0]!;
    res.json({ ...summary, avatar: extra.avatar, topic: extra.topic, joined_local_devices: extra.devices, forgotten: extra.forgotten });
  });

  router.get('/v1/rooms/:roomId/members', async (req: Request<RoomParams>, res: Response) => {
    const { roomId } = await adminRoom(ctx, req.params.roomId);
    const members = [...(await ctx.rooms.store.joinedMembers(roomId)).keys()].sort();
    res.json({ members, total: members.length });
  });

  router.get('/v1/rooms/:roomId/state', async (req: Request<RoomParams>, res: Response) => {
    const room = await adminRoom(ctx, req.params.roomId);
    const now = Date.now();
    const state = await ctx.rooms.store.currentStateEvents(room.roomId);
    res.json({ state: state.map((stored) => toClientEvent(stored, { roomVersion: room.version, now })) });
  });

  return router;
}
