/**
 * GET /_matrix/federation/v1/hierarchy/{roomId} (space_hierarchy.yaml): a
 * local room's summary with its m.space.child events, and the summaries of
 * the children this server holds. No pagination: the requesting server
 * filters for its user. A room is offered to a server when that server could
 * peek or join it: public, knockable or world-readable rooms, rooms where one
 * of its users is joined or invited, and restricted rooms whose allow list
 * names a room it has a user joined to. Children it could not reach are listed
 * in inaccessible_children; children unknown here are left out. The room's
 * server ACL applies.
 */
import { Errors } from '@lattice/core';
import { loadLocalRoom, spaceChildren, type RoomSummary } from '@lattice/client-api';
import type { Queryable } from '@lattice/storage';
import { Router, type Request, type Response } from 'express';
import { originOf, type FederationDeps } from '../api.js';
import { serverAclAllows } from './server-acl.js';

const OPEN_RULES = new Set(['public', 'knock', 'knock_restricted']);

export function hierarchyRoute(deps: FederationDeps): Router {
  const router = Router();
  const { ctx } = deps;
  const { store } = ctx.rooms;

  async function accessible(summary: RoomSummary, server: string): Promise<boolean> {
    const acl = await store.currentStateEvent(summary.room_id, 'm.room.server_acl', '');
    if (!serverAclAllows(acl?.event.content, server)) return false;
    if (summary.world_readable || (summary.join_rule !== undefined && OPEN_RULES.has(summary.join_rule))) return true;
    if (await serverHasMember(ctx.db, summary.room_id, server, ['join', 'invite'])) return true;
    for (const allowed of summary.allowed_room_ids ?? []) {
      if (await serverHasMember(ctx.db, allowed, server, ['join'])) return true;
    }
    return false;
  }

  router.get('/_matrix/federation/v1/hierarchy/:roomId', async (req: Request<{ roomId: string }>, res: Response) => {
    const origin = originOf(req);
    const suggestedOnly = req.query['suggested_only'] === 'true';
    const room = await loadLocalRoom(ctx, req.params.roomId);
    if (room === undefined || !(await accessible(room.summary, origin))) throw Errors.notFound('Unknown room');
    const children = room.summary.room_type === 'm.space' ? spaceChildren(room.childEvents, suggestedOnly) : [];
    const summaries: RoomSummary[] = [];
    const inaccessible: string[] = [];
    for (const child of children) {
      const local = await loadLocalRoom(ctx, child.roomId);
      if (local === undefined) continue;
      if (await accessible(local.summary, origin)) summaries.push(local.summary);
      else inaccessible.push(child.roomId);
    }
    res.json({
      room: { ...room.summary, children_state: children.map((c) => c.stripped) },
      children: summaries,
      inaccessible_children: inaccessible,
    });
  });
  return router;
}

/** Whether one of the server's users has one of `memberships` in the room's current state. */
async function serverHasMember(db: Queryable, roomId: string, server: string, memberships: readonly string[]): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM current_state_events WHERE room_id = $1 AND type = 'm.room.member'
       AND substr(state_key, strpos(state_key, ':') + 1) = $2 AND membership = ANY($3::text[]) LIMIT 1`,
    [roomId, server, memberships],
  );
  return rows.length > 0;
}
