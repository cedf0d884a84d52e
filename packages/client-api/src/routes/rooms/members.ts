/**
 * Room members and the user's rooms (members.yaml, list_joined_rooms.yaml):
 * GET /joined_rooms, /rooms/{roomId}/members (at, membership, not_membership),
 * /rooms/{roomId}/joined_members.
 */
import { Errors, splitStateKey, type StateMap } from '@lattice/core';
import { RoomStreamToken, SyncToken } from '@lattice/replication';
import { roomReadAccess, type TopologicalPosition } from '@lattice/rooms';
import { Router, type Request, type Response } from 'express';
import type { ClientApiContext } from '../../context.js';
import { requesterOf, requireAuth } from '../../http/auth.js';
import { methodNotAllowed } from '../../http/unrecognized.js';
import { clientEventsFor } from './client-events.js';
import { beforeRead } from './read-your-writes.js';
import { readableState } from './room-access.js';
import { knownRoom, type KnownRoom } from './room-lookup.js';

const MEMBERSHIPS = new Set(['join', 'invite', 'knock', 'leave', 'ban']);

type RoomParams = { roomId: string };

function membershipParam(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !MEMBERSHIPS.has(value)) throw Errors.invalidParam(`'${name}' must be one of ${[...MEMBERSHIPS].join(', ')}`);
  return value;
}

/** `at`: a pagination token (prev_batch, /messages) or a sync token (next_batch). */
function pointOf(at: string): TopologicalPosition {
  let token: RoomStreamToken;
  try {
    token = RoomStreamToken.parse(at);
  } catch {
    token = RoomStreamToken.stream(SyncToken.parse(at).get('events'));
  }
  return { topological: token.topological, stream: token.stream.min };
}

export function membersRouter(ctx: ClientApiContext): Router {
  const router = Router();
  const auth = requireAuth(ctx);
  const { store } = ctx.rooms;

  /** The member state at `at`, bounded by what the user may read. */
  async function memberStateAt(room: KnownRoom, userId: string, at: string | undefined): Promise<StateMap> {
    const readable = await readableState(ctx, room, userId);
    if (at === undefined) return readable;
    const point = pointOf(at);
    const [last] = (await store.paginate(room.roomId, point, 'b', 1)).events;
    if (last === undefined) return new Map();
    const access = await roomReadAccess(store, room.roomId, userId);
    // A departed member sees nothing after their departure.
    if (access.until !== undefined && last.streamOrdering > access.until.stream) return readable;
    return store.stateAfterEvent(last.event.event_id);
  }

  async function members(req: Request<RoomParams>, res: Response): Promise<void> {
    const requester = requesterOf(req);
    const query = req.query as Record<string, unknown>;
    const membership = membershipParam(query.membership, 'membership');
    const notMembership = membershipParam(query.not_membership, 'not_membership');
    if (query.at !== undefined && typeof query.at !== 'string') throw Errors.invalidParam("'at' must be a token");
    const room = await knownRoom(ctx, req.params.roomId);
    await beforeRead(ctx.rooms, requester.userId);
    const state = await memberStateAt(room, requester.userId, query.at as string | undefined);
    const ids: string[] = [];
    for (const [key, eventId] of state) if (splitStateKey(key)[0] === 'm.room.member') ids.push(eventId);
    const events = [...(await store.getEvents(ids)).values()].filter((stored) => {
      const m = stored.event.content['membership'];
      return (membership === undefined || m === membership) && (notMembership === undefined || m !== notMembership);
    });
    res.json({ chunk: clientEventsFor(room, requester, events) });
  }

  async function joinedMembers(req: Request<RoomParams>, res: Response): Promise<void> {
    const { userId } = requesterOf(req);
    const room = await knownRoom(ctx, req.params.roomId);
    await beforeRead(ctx.rooms, userId);
    // The current list: for members and viewers of world_readable rooms, not for those who left.
    if ((await roomReadAccess(store, room.roomId, userId)).until !== undefined) throw Errors.forbidden('You are not a member of this room');
    const joined: Record<string, { display_name?: string; avatar_url?: string }> = {};
    for (const [member, profile] of await store.joinedMembers(room.roomId)) {
      const entry: { display_name?: string; avatar_url?: string } = {};
      if (profile.displayname !== undefined) entry.display_name = profile.displayname;
      if (profile.avatar_url !== undefined) entry.avatar_url = profile.avatar_url;
      joined[member] = entry;
    }
    res.json({ joined });
  }

  async function joinedRooms(req: Request, res: Response): Promise<void> {
    const { userId } = requesterOf(req);
    await beforeRead(ctx.rooms, userId);
    const rooms = await store.roomsForUser(userId, ['join']);
    res.json({ joined_rooms: rooms.map((r) => r.roomId) });
  }

  router.route('/joined_rooms').get(auth, joinedRooms).all(methodNotAllowed);
  router.route('/rooms/:roomId/members').get(auth, members).all(methodNotAllowed);
  router.route('/rooms/:roomId/joined_members').get(auth, joinedMembers).all(methodNotAllowed);
  return router;
}
