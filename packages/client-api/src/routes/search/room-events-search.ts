/**
 * The `room_events` category of POST /search: which rooms and senders the
 * search covers (every room the requester is or was in and has not forgotten,
 * narrowed by the filter and by a group token), one page of visible results with
 * ranks, the optional context, current state and groups, highlights, count and
 * next_batch (search.yaml, modules/search.md).
 */
import { compileEventFilter, type RoomEvent, type RoomVersion } from '@lattice/core';
import { roomReadAccess, type ClientEvent, type TopologicalPosition } from '@lattice/rooms';
import type { ClientApiContext } from '../../context.js';
import type { Requester } from '../../http/request-types.js';
import { clientEventsFor } from '../rooms/client-events.js';
import { readableState } from '../rooms/room-access.js';
import { timelineClientEvents } from '../timeline/serialize.js';
import { resultContext, type ResultContext } from './search-context.js';
import { matchedWords } from './search-query.js';
import type { GroupKey, RoomEventsCriteria } from './search-request.js';
import { encodeSearchToken, type SearchCursor } from './search-token.js';
import { visibleHits, type VisibleHit } from './visible-hits.js';

/** Rooms whose history a user may search: "all rooms that the user has been in, including those that they have left". */
const SEARCHED_MEMBERSHIPS = ['join', 'leave', 'ban'];

interface GroupEntry {
  results: string[];
  order: number;
  next_batch?: string;
}

export interface RoomEventsResults {
  count: number;
  highlights: string[];
  results: Array<{ rank: number; result: ClientEvent; context?: ResultContext }>;
  state?: Record<string, ClientEvent[]>;
  groups?: Partial<Record<GroupKey, Record<string, GroupEntry>>>;
  next_batch?: string;
}

interface SearchedRoom {
  roomId: string;
  version: RoomVersion;
  until?: TopologicalPosition;
}

export async function searchRoomEvents(
  ctx: ClientApiContext,
  requester: Requester,
  criteria: RoomEventsCriteria,
  cursor: SearchCursor | undefined,
): Promise<RoomEventsResults> {
  const { userId } = requester;
  const filter = criteria.filter;
  const memberships = await ctx.rooms.store.roomsForUser(userId, SEARCHED_MEMBERSHIPS);
  let roomIds = memberships.filter((m) => !m.forgotten).map((m) => m.roomId);
  if (filter?.rooms) roomIds = roomIds.filter((id) => filter.rooms!.includes(id));
  if (filter?.not_rooms) roomIds = roomIds.filter((id) => !filter.not_rooms!.includes(id));
  let senders = filter?.senders;
  if (cursor?.group?.key === 'room_id') roomIds = roomIds.filter((id) => id === cursor.group!.value);
  if (cursor?.group?.key === 'sender') senders = (senders ?? [cursor.group.value]).filter((s) => s === cursor.group!.value);

  const page = await visibleHits(ctx, { userId, criteria, roomIds, senders, after: cursor?.after });
  const rooms = await searchedRooms(ctx, userId, page.hits, criteria.eventContext !== undefined);
  const results = await serializeHits(ctx, requester, criteria, rooms, page.hits);
  const out: RoomEventsResults = {
    count: page.total,
    highlights: await matchedWords(ctx.db, criteria.searchTerm, page.hits.map((h) => h.eventId)),
    results,
  };
  if (criteria.includeState) out.state = await roomStates(ctx, requester, rooms);
  if (page.next !== undefined) {
    out.next_batch = encodeSearchToken({ order: criteria.orderBy, after: page.next, group: cursor?.group });
  }
  if (criteria.groupBy.length > 0) out.groups = groupsOf(criteria, page.hits, page.next, cursor);
  return out;
}

/** The rooms of the results; with `departures`, where the requester's view of each ends (context stops there). */
async function searchedRooms(ctx: ClientApiContext, userId: string, hits: readonly VisibleHit[], departures: boolean): Promise<Map<string, SearchedRoom>> {
  const rooms = new Map<string, SearchedRoom>();
  for (const roomId of new Set(hits.map((h) => h.roomId))) {
    const version = await ctx.rooms.store.roomVersion(roomId);
    if (version === undefined) continue;
    const access = departures ? await roomReadAccess(ctx.rooms.store, roomId, userId).catch(() => undefined) : undefined;
    rooms.set(roomId, { roomId, version, until: access?.until });
  }
  return rooms;
}

async function serializeHits(
  ctx: ClientApiContext,
  requester: Requester,
  criteria: RoomEventsCriteria,
  rooms: ReadonlyMap<string, SearchedRoom>,
  hits: readonly VisibleHit[],
): Promise<RoomEventsResults['results']> {
  // One serialisation per room version (bundled aggregations are read per batch), usually one in all.
  const events = new Map<string, ClientEvent>();
  const versions = new Map([...rooms.values()].map((r) => [r.version.id, r.version]));
  for (const version of versions.values()) {
    const batch = hits.filter((h) => rooms.get(h.roomId)?.version === version);
    const serialized = await timelineClientEvents(ctx, { version, requester }, batch.map((h) => ({ stored: h.stored, membership: h.membership })));
    batch.forEach((hit, i) => events.set(hit.eventId, serialized[i]!));
  }
  const matcher = compileEventFilter(criteria.filter);
  const matches = (event: RoomEvent) => matcher(event);
  const results: RoomEventsResults['results'] = [];
  for (const hit of hits) {
    const searched = rooms.get(hit.roomId);
    const result = events.get(hit.eventId);
    if (searched === undefined || result === undefined) continue;
    const entry: RoomEventsResults['results'][number] = { rank: hit.rank, result };
    if (criteria.eventContext) {
      const room = { roomId: hit.roomId, version: searched.version, requester };
      entry.context = await resultContext(ctx, { room, until: searched.until, result: hit.stored, request: criteria.eventContext, matches });
    }
    results.push(entry);
  }
  return results;
}

/** "The current state for every room in the results" as the requester may read it (at their departure if they left). */
async function roomStates(ctx: ClientApiContext, requester: Requester, rooms: ReadonlyMap<string, SearchedRoom>): Promise<Record<string, ClientEvent[]>> {
  const state: Record<string, ClientEvent[]> = {};
  for (const room of rooms.values()) {
    const map = await readableState(ctx, room, requester.userId).catch(() => undefined);
    if (map === undefined) continue;
    const loaded = await ctx.rooms.store.getEvents([...map.values()]);
    state[room.roomId] = clientEventsFor(room, requester, loaded.values());
  }
  return state;
}

/**
 * Groups by room or sender in result order: `order` is the group's place in the
 * results (1 for the group of the first result). While the page has a
 * next_batch, each group gets one scoped to it ("a token inside a group will
 * return more results from within that group").
 */
function groupsOf(
  criteria: RoomEventsCriteria,
  hits: readonly VisibleHit[],
  next: number | undefined,
  cursor: SearchCursor | undefined,
): RoomEventsResults['groups'] {
  const groups: NonNullable<RoomEventsResults['groups']> = {};
  for (const key of criteria.groupBy) {
    const byValue: Record<string, GroupEntry> = {};
    for (const hit of hits) {
      const value = key === 'room_id' ? hit.roomId : hit.stored.event.sender;
      const entry = (byValue[value] ??= { results: [], order: Object.keys(byValue).length + 1 });
      entry.results.push(hit.eventId);
    }
    if (next !== undefined) {
      for (const [value, entry] of Object.entries(byValue)) {
        if (cursor?.group !== undefined && (cursor.group.key !== key || cursor.group.value !== value)) continue;
        entry.next_batch = encodeSearchToken({ order: criteria.orderBy, after: next, group: { key, value } });
      }
    }
    groups[key] = byValue;
  }
  return groups;
}
