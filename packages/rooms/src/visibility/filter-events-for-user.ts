/**
 * "May user U see event E" (client-server "Room History Visibility"), for one
 * event or a whole batch, used by every read API (/messages, /context, /event,
 * /relations, /threads, bundled aggregations) and by /sync.
 *
 * The rules are evaluated against the state AFTER each event (for a message
 * event the same as before it). Two events use the state on both sides, as the
 * spec requires: an m.room.history_visibility event is visible if the value
 * before OR after it allows the user, and the user's own m.room.member event if
 * their membership before OR after it does. "Before" is the state event the
 * event replaced (StoredEvent.replacesState), so no extra state is loaded.
 *
 * Cost: two queries per call whatever the number of events and rooms; pass a
 * whole page (or every room of a sync) at once.
 */
import type { Queryable } from '@lattice/storage';
import type { StoredEvent } from '../api.js';
import { historyVisibilityOf, visibilityAllows, type HistoryVisibility } from './history-visibility.js';
import { latestJoins, stateFactsAfterEvents } from './visibility-facts.js';

export interface EventVisibility {
  visible: boolean;
  /** The user's membership at the event (after it), for unsigned.membership; undefined when never a member. */
  membership: string | undefined;
}

/** The verdict for each event, aligned with `events`. Events from several rooms may be mixed. */
export async function assessVisibility(
  db: Queryable,
  userId: string,
  events: readonly StoredEvent[],
): Promise<EventVisibility[]> {
  if (events.length === 0) return [];
  const roomIds = [...new Set(events.map((s) => s.event.room_id))];
  const [facts, joins] = await Promise.all([
    stateFactsAfterEvents(db, userId, events.map((s) => s.event.event_id)),
    latestJoins(db, userId, roomIds),
  ]);
  return events.map((stored) => {
    const after = facts.get(stored.event.event_id);
    // Without state (an outlier) there is nothing to authorise the read.
    if (after === undefined) return { visible: false, membership: undefined };
    const lastJoin = joins.get(stored.event.room_id);
    const joinedAfter = lastJoin !== undefined && lastJoin > stored.streamOrdering;
    const visibility = historyVisibilityOf(after.visibility);
    let visible = visibilityAllows({ visibility, membership: after.membership, joinedAfter });
    if (!visible) visible = allowedByStateBefore(stored, userId, visibility, after.membership, joinedAfter);
    return { visible, membership: after.membership };
  });
}

/** The second chance the spec gives history_visibility events and the user's own membership events. */
function allowedByStateBefore(
  stored: StoredEvent,
  userId: string,
  visibilityAfter: HistoryVisibility,
  membershipAfter: string | undefined,
  joinedAfter: boolean,
): boolean {
  const { event } = stored;
  const previous = stored.replacesState?.content;
  if (event.type === 'm.room.history_visibility' && event.state_key === '') {
    const visibility = historyVisibilityOf(previous?.['history_visibility']);
    return visibilityAllows({ visibility, membership: membershipAfter, joinedAfter });
  }
  if (event.type === 'm.room.member' && event.state_key === userId) {
    const before = previous?.['membership'];
    const membership = typeof before === 'string' ? before : undefined;
    return visibilityAllows({ visibility: visibilityAfter, membership, joinedAfter });
  }
  return false;
}

/** The events the user may see, in their original order. */
export async function filterEventsForUser(
  db: Queryable,
  userId: string,
  events: readonly StoredEvent[],
): Promise<StoredEvent[]> {
  const verdicts = await assessVisibility(db, userId, events);
  return events.filter((_, i) => verdicts[i]!.visible);
}

export async function canSeeEvent(db: Queryable, userId: string, event: StoredEvent): Promise<boolean> {
  const [verdict] = await assessVisibility(db, userId, [event]);
  return verdict!.visible;
}
