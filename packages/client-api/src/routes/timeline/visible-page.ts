/**
 * One page of a room's timeline as the requester may see it: RoomStore.paginate
 * in DAG order, then history visibility and the client's RoomEventFilter. When
 * those drop events the page is topped up from where the scan stopped (a few
 * rounds at most, so a filter that matches nothing cannot make one request walk
 * the whole room); the chunk may then be shorter than the limit, which the
 * spec allows. `next` is absent exactly when the scan reached the end (or `to`).
 */
import type { RoomEvent } from '@lattice/core';
import { type TopologicalPosition } from '@lattice/rooms';
import { assessForRequester } from './requester-visibility.js';
import { ignoredUsers } from '../../accounts/ignored-users.js';
import type { ClientApiContext } from '../../context.js';
import { gapAfter, gapBefore } from './pagination-position.js';
import type { VisibleEvent } from './serialize.js';

/** Store pages scanned per request at most. */
const MAX_SCAN_ROUNDS = 5;

export interface PageQuery {
  roomId: string;
  userId: string;
  from: TopologicalPosition;
  dir: 'b' | 'f';
  limit: number;
  to?: TopologicalPosition;
  /** The client's filter; absent: every visible event. */
  matches?: (event: RoomEvent) => boolean;
}

export interface VisiblePage {
  /** Newest first going backwards, oldest first going forwards. */
  events: VisibleEvent[];
  /** Where the next page starts; absent when nothing is left in that direction. */
  next?: TopologicalPosition;
}

export async function visiblePage(ctx: ClientApiContext, q: PageQuery): Promise<VisiblePage> {
  const { store } = ctx.rooms;
  const events: VisibleEvent[] = [];
  const ignored = await ignoredUsers(ctx.db, q.userId);
  let cursor = q.from;
  for (let round = 0; round < MAX_SCAN_ROUNDS; round++) {
    const want = q.limit - events.length;
    // One extra row tells whether anything lies beyond the page.
    const page = await store.paginate(q.roomId, cursor, q.dir, want + 1, q.to);
    const scanned = page.events.slice(0, want);
    const verdicts = await assessForRequester(ctx, q.userId, scanned, ignored);
    scanned.forEach((stored, i) => {
      const { visible, membership } = verdicts[i]!;
      if (visible && (q.matches === undefined || q.matches(stored.event))) events.push({ stored, membership });
    });
    if (page.events.length <= want) return { events };
    const last = scanned[scanned.length - 1];
    if (last !== undefined) cursor = q.dir === 'b' ? gapBefore(last) : gapAfter(last);
    if (events.length >= q.limit) break;
  }
  return { events, next: cursor };
}
