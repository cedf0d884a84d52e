/**
 * The space tree below a room, depth first (a space's children follow it,
 * each child's own subtree before its next sibling), as GET /hierarchy pages
 * it. Each room appears once (a room reached again, through a loop or a second
 * parent, is skipped), rooms the requester may not view are left out with their
 * subtrees, and the walk stops at max_depth. Only spaces (room type m.space)
 * have children. The requested room must be one the requester may view (403
 * M_FORBIDDEN otherwise). Pages re-walk from the root and skip what earlier pages
 * returned: a hierarchy is small, and the token stays stateless across replicas.
 */
import { Errors } from '@lattice/core';
import type { ClientApiContext } from '../../context.js';
import type { HierarchyQuery } from './hierarchy-params.js';
import type { RemoteHierarchySource, RemoteRoomEntry } from './remote-hierarchy.js';
import { mayViewRoom } from './room-accessibility.js';
import { loadLocalRoom, type RoomSummary } from './room-summary.js';
import { spaceChildren, type SpaceChild } from './space-children.js';

export interface HierarchyRoom extends RoomSummary {
  children_state: Array<SpaceChild['stripped']>;
}

export interface HierarchyPage {
  rooms: HierarchyRoom[];
  /** More rooms follow the page. */
  more: boolean;
}

interface Pending {
  roomId: string;
  depth: number;
  via: readonly string[];
}

interface Visited {
  entry: HierarchyRoom;
  /** Children to walk next, in order, with the servers to ask for them. */
  children: Array<{ roomId: string; via: readonly string[] }>;
}

export async function walkHierarchy(
  ctx: ClientApiContext,
  remote: RemoteHierarchySource,
  userId: string,
  q: HierarchyQuery,
): Promise<HierarchyPage> {
  const queue: Pending[] = [{ roomId: q.roomId, depth: 0, via: [] }];
  const seen = new Set<string>();
  const rooms: HierarchyRoom[] = [];
  let produced = 0;
  while (queue.length > 0) {
    const next = queue.shift()!;
    if (seen.has(next.roomId)) continue;
    seen.add(next.roomId);
    const visited = await visit(ctx, remote, userId, next, q.suggestedOnly);
    // The requested room itself must be viewable (unknown rooms included: no existence leak).
    if (visited === undefined && next.depth === 0) throw Errors.forbidden('You are not allowed to view this room.');
    if (visited === undefined) continue;
    if (produced >= q.skip + q.limit) return { rooms, more: true };
    if (produced >= q.skip) rooms.push(visited.entry);
    produced++;
    if (next.depth < q.maxDepth) {
      queue.unshift(...visited.children.map((c) => ({ roomId: c.roomId, depth: next.depth + 1, via: c.via })));
    }
  }
  return { rooms, more: false };
}

async function visit(
  ctx: ClientApiContext,
  remote: RemoteHierarchySource,
  userId: string,
  at: Pending,
  suggestedOnly: boolean,
): Promise<Visited | undefined> {
  const local = await loadLocalRoom(ctx, at.roomId);
  if (local !== undefined) {
    if (!(await mayViewRoom(ctx.rooms, local.summary, userId))) return undefined;
    const children = local.summary.room_type === 'm.space' ? spaceChildren(local.childEvents, suggestedOnly) : [];
    return {
      entry: { ...local.summary, children_state: children.map((c) => c.stripped) },
      children: children.map((c) => ({ roomId: c.roomId, via: c.via })),
    };
  }
  if (at.via.length === 0) return undefined;
  const found: RemoteRoomEntry | undefined = await remote.summarize(at.roomId, at.via, { suggestedOnly, userId });
  if (found === undefined || !(await mayViewRoom(ctx.rooms, found.summary, userId))) return undefined;
  const children = found.summary.room_type === 'm.space' ? found.childrenState : [];
  return {
    entry: { ...found.summary, children_state: children },
    children: children.flatMap((c) => {
      const via = c.content['via'];
      return Array.isArray(via) && via.length > 0 ? [{ roomId: c.state_key, via: via.filter((v): v is string => typeof v === 'string') }] : [];
    }),
  };
}
