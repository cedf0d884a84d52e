/**
 * Timeline events as ClientEvents for the requester: unsigned.membership (the
 * requester's membership at the event, from the visibility check) and bundled
 * aggregations under unsigned["m.relations"], as every endpoint returning
 * timeline events must. State lists (state at an event, lazy-loaded members)
 * get neither: "State events do not currently receive bundled aggregations".
 */
import { bundleAggregations, toClientEvent, type ClientEvent, type StoredEvent } from '@lattice/rooms';
import type { ClientApiContext } from '../../context.js';
import type { ReadableRoom } from './readable-room.js';
import { ignoredUsers } from '../../accounts/ignored-users.js';

export interface VisibleEvent {
  stored: StoredEvent;
  /** The requester's membership at the event. */
  membership: string | undefined;
}

export async function timelineClientEvents(
  ctx: ClientApiContext,
  room: Pick<ReadableRoom, 'version' | 'requester'>,
  events: readonly VisibleEvent[],
): Promise<ClientEvent[]> {
  if (events.length === 0) return [];
  const now = Date.now();
  const viewer = { userId: room.requester.userId, deviceId: room.requester.deviceId };
  const bundles = await bundleAggregations(
    { db: ctx.db, store: ctx.rooms.store },
    events.map((e) => e.stored),
    { viewer, now, ignoredUsers: await ignoredUsers(ctx.db, viewer.userId) },
  );
  return events.map(({ stored, membership }) => {
    const event = toClientEvent(stored, { roomVersion: room.version, now, viewer, membership });
    const bundle = bundles.get(stored.event.event_id);
    if (bundle) event.unsigned = { ...event.unsigned, 'm.relations': bundle };
    return event;
  });
}
