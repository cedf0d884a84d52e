/**
 * Whether a user may read a room's history at all, before any per-event check
 * (the 403 of /messages, /context, /relations, /threads, /timestamp_to_event):
 * members, and users who left or were banned, may; anyone else only while the
 * room is world_readable (peeking). For a user who left a room that is not
 * world_readable, reading stops at their departure ("no events received after they left"): `until` is that event's
 * position, so pagination ends there instead of walking hidden history.
 */
import { Errors } from '@lattice/core';
import type { RoomStoreApi, TopologicalPosition } from '../api.js';
import { historyVisibilityOf } from './history-visibility.js';

export interface RoomReadAccess {
  /** The user's current membership (undefined when peeking a world_readable room as a non-member). */
  membership: string | undefined;
  /** The last event the user may see (their leave or ban), inclusive; absent while they are in the room. */
  until?: TopologicalPosition;
}

const DEPARTED = new Set(['leave', 'ban']);

type AccessStore = Pick<RoomStoreApi, 'membership' | 'currentStateEvent' | 'getEvent'>;

/** Throws 403 M_FORBIDDEN (also for rooms we do not know: no existence leak). */
export async function roomReadAccess(store: AccessStore, roomId: string, userId: string): Promise<RoomReadAccess> {
  const member = await store.membership(roomId, userId);
  if (member?.membership === 'join') return { membership: 'join' };
  // A world_readable room is open to anyone, departed members included, with no cut-off.
  if (await isWorldReadable(store, roomId)) return { membership: member?.membership };
  // A forgotten room's history is gone for the user (spec: POST /forget).
  if (member !== undefined && DEPARTED.has(member.membership) && !member.forgotten) {
    const departure = await store.getEvent(member.eventId);
    if (departure !== undefined) {
      return {
        membership: member.membership,
        until: { topological: departure.topologicalOrdering, stream: departure.streamOrdering },
      };
    }
  }
  throw Errors.forbidden(`User ${userId} is not in room ${roomId} and the room is not world readable`);
}

async function isWorldReadable(store: AccessStore, roomId: string): Promise<boolean> {
  const event = await store.currentStateEvent(roomId, 'm.room.history_visibility', '');
  return event !== undefined && historyVisibilityOf(event.event.content['history_visibility']) === 'world_readable';
}
