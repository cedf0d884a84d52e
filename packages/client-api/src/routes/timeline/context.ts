/**
 * GET /rooms/{roomId}/context/{eventId} (event_context.yaml): the event, up to
 * `limit` visible events around it (half before, the rest after), tokens to
 * paginate on either side with /messages, and the state at the last event
 * returned (only the senders' members with lazy_load_members). The filter
 * applies to events_before, events_after and state, never to `event`.
 * An event that does not exist in the room or that the user may not see is
 * 404 M_NOT_FOUND: the two are indistinguishable on purpose.
 */
import { Errors, compileEventFilter } from '@lattice/core';
import type { StoredEvent } from '@lattice/rooms';
import { assessForRequester } from './requester-visibility.js';
import type { Request, Response } from 'express';
import type { ClientApiContext } from '../../context.js';
import { checkEventId } from '../rooms/ids.js';
import { lazyMemberEvents } from './lazy-members.js';
import { formatPosition, gapAfter, gapBefore } from './pagination-position.js';
import { limitParam, roomEventFilterParam } from './params.js';
import { openReadableRoom } from './readable-room.js';
import { clientEventsFor } from '../rooms/client-events.js';
import { timelineClientEvents, type VisibleEvent } from './serialize.js';
import { visiblePage } from './visible-page.js';

export function contextHandler(ctx: ClientApiContext) {
  const { store } = ctx.rooms;
  return async (req: Request<{ roomId: string; eventId: string }>, res: Response): Promise<void> => {
    const eventId = checkEventId(req.params.eventId);
    const limit = limitParam(req);
    const filter = roomEventFilterParam(req);
    const room = await openReadableRoom(ctx, req);
    const userId = room.requester.userId;

    const stored = await store.getEvent(eventId);
    if (stored === undefined || stored.event.room_id !== room.roomId || !inTimeline(stored)) {
      throw Errors.notFound('Event not found');
    }
    const [verdict] = await assessForRequester(ctx, userId, [stored]);
    if (!verdict!.visible) throw Errors.notFound('Event not found');
    const target: VisibleEvent = { stored, membership: verdict!.membership };

    const matcher = filter && compileEventFilter(filter);
    const matches = matcher && ((event: StoredEvent['event']) => matcher(event, room.roomId));
    const beforeLimit = Math.floor(limit / 2);
    const [before, after] = await Promise.all([
      visiblePage(ctx, { roomId: room.roomId, userId, from: gapBefore(stored), dir: 'b', limit: beforeLimit, matches }),
      visiblePage(ctx, {
        roomId: room.roomId,
        userId,
        from: gapAfter(stored),
        dir: 'f',
        limit: limit - beforeLimit,
        to: room.access.until,
        matches,
      }),
    ]);

    const oldest = before.events[before.events.length - 1]?.stored ?? stored;
    const newest = after.events[after.events.length - 1]?.stored ?? stored;
    const [eventsBefore, [event], eventsAfter] = await Promise.all([
      timelineClientEvents(ctx, room, before.events),
      timelineClientEvents(ctx, room, [target]),
      timelineClientEvents(ctx, room, after.events),
    ]);
    const state = await contextState(ctx, newest, [...before.events, target, ...after.events], filter?.lazy_load_members ?? false);
    res.json({
      start: formatPosition(before.next ?? gapBefore(oldest)),
      end: formatPosition(after.next ?? gapAfter(newest)),
      events_before: eventsBefore,
      event,
      events_after: eventsAfter,
      state: clientEventsFor(room, room.requester, matches ? state.filter((s) => matches(s.event)) : state),
    });
  };
}

function inTimeline(stored: StoredEvent): boolean {
  return !stored.outlier && stored.rejectedReason === null && !stored.softFailed;
}

/** "The state of the room at the last event returned": all of it, or the senders' members with lazy loading. */
async function contextState(
  ctx: ClientApiContext,
  last: StoredEvent,
  returned: readonly VisibleEvent[],
  lazyLoadMembers: boolean,
): Promise<StoredEvent[]> {
  if (lazyLoadMembers) return lazyMemberEvents(ctx, returned.map((e) => e.stored), last.event.event_id);
  const state = await ctx.rooms.store.stateAfterEvent(last.event.event_id);
  const loaded = await ctx.rooms.store.getEvents([...state.values()]);
  // A stable order (by type, then state key) keeps responses comparable.
  return [...state.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .flatMap(([, id]) => loaded.get(id) ?? []);
}
