/**
 * `context` of a search result (event_context): up to before_limit/after_limit
 * events around it that the requester may see and the search filter lets
 * through, tokens to paginate from there with /messages (as /context gives),
 * and, with include_profile, the senders' profiles as they were at the last
 * event returned ("historic profile information").
 */
import { stateKeyOf, type RoomEvent } from '@lattice/core';
import type { StoredEvent, TopologicalPosition } from '@lattice/rooms';
import type { ClientApiContext } from '../../context.js';
import { formatPosition, gapAfter, gapBefore } from '../timeline/pagination-position.js';
import type { ReadableRoom } from '../timeline/readable-room.js';
import { timelineClientEvents, type VisibleEvent } from '../timeline/serialize.js';
import { visiblePage } from '../timeline/visible-page.js';
import type { EventContextRequest } from './search-request.js';

export interface ResultContext {
  start: string;
  end: string;
  events_before: unknown[];
  events_after: unknown[];
  profile_info?: Record<string, { displayname?: string; avatar_url?: string }>;
}

export interface ContextQuery {
  room: Pick<ReadableRoom, 'roomId' | 'version' | 'requester'>;
  /** The requester's last visible point in the room (their departure), if they left. */
  until?: TopologicalPosition;
  result: StoredEvent;
  request: EventContextRequest;
  matches: (event: RoomEvent) => boolean;
}

export async function resultContext(ctx: ClientApiContext, q: ContextQuery): Promise<ResultContext> {
  const { room, result, request } = q;
  const userId = room.requester.userId;
  const [before, after] = await Promise.all([
    visiblePage(ctx, { roomId: room.roomId, userId, from: gapBefore(result), dir: 'b', limit: request.beforeLimit, matches: q.matches }),
    visiblePage(ctx, { roomId: room.roomId, userId, from: gapAfter(result), dir: 'f', limit: request.afterLimit, to: q.until, matches: q.matches }),
  ]);
  const oldest = before.events[before.events.length - 1]?.stored ?? result;
  const newest = after.events[after.events.length - 1]?.stored ?? result;
  const context: ResultContext = {
    start: formatPosition(before.next ?? gapBefore(oldest)),
    end: formatPosition(after.next ?? gapAfter(newest)),
    events_before: await timelineClientEvents(ctx, room, before.events),
    events_after: await timelineClientEvents(ctx, room, after.events),
  };
  if (request.includeProfile) {
    const events: VisibleEvent[] = [...before.events, { stored: result, membership: undefined }, ...after.events];
    context.profile_info = await profilesAt(ctx, newest, new Set(events.map((e) => e.stored.event.sender)));
  }
  return context;
}

async function profilesAt(ctx: ClientApiContext, at: StoredEvent, senders: ReadonlySet<string>): Promise<ResultContext['profile_info']> {
  const state = await ctx.rooms.store.stateAfterEvent(at.event.event_id);
  const memberIds = [...senders].flatMap((sender) => state.get(stateKeyOf('m.room.member', sender)) ?? []);
  const members = await ctx.rooms.store.getEvents(memberIds);
  const profiles: NonNullable<ResultContext['profile_info']> = {};
  for (const member of members.values()) {
    const { content, state_key: userId } = member.event;
    if (userId === undefined) continue;
    const profile: { displayname?: string; avatar_url?: string } = {};
    if (typeof content['displayname'] === 'string') profile.displayname = content['displayname'];
    if (typeof content['avatar_url'] === 'string') profile.avatar_url = content['avatar_url'];
    profiles[userId] = profile;
  }
  return profiles;
}
