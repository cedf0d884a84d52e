/**
 * Stripped state for invites and knocks (spec "Stripped state"): what a user
 * who is not in the room may see of it. Events that arrived with their own
 * invite_room_state / knock_room_state (over federation) use it; local rooms
 * take the recommended state events from the state at the membership event.
 */
import { stateKeyOf } from '@lattice/core';
import type { RoomStore, StoredEvent } from '@lattice/rooms';

export interface StrippedStateEvent {
  type: string;
  state_key: string;
  sender: string;
  content: Record<string, unknown>;
}

/** The state events the spec recommends sharing with invitees and knockers. */
const STRIPPED_TYPES = [
  'm.room.create',
  'm.room.name',
  'm.room.avatar',
  'm.room.topic',
  'm.room.join_rules',
  'm.room.canonical_alias',
  'm.room.encryption',
];

function strip(stored: StoredEvent): StrippedStateEvent {
  const { event } = stored;
  return { type: event.type, state_key: event.state_key ?? '', sender: event.sender, content: event.content };
}

export async function strippedState(store: RoomStore, membershipEvent: StoredEvent): Promise<StrippedStateEvent[]> {
  const { event } = membershipEvent;
  const unsigned = (event as { unsigned?: Record<string, unknown> }).unsigned;
  const carried = unsigned?.['invite_room_state'] ?? unsigned?.['knock_room_state'];
  const own = strip(membershipEvent);
  if (Array.isArray(carried)) return [...(carried as StrippedStateEvent[]), own];
  let state;
  try {
    state = await store.stateAfterEvent(event.event_id);
  } catch {
    return [own]; // an outlier: no state of ours to share
  }
  const ids = STRIPPED_TYPES.flatMap((type) => state.get(stateKeyOf(type, '')) ?? []);
  const events = await store.getEvents(ids);
  return [...ids.flatMap((id) => (events.has(id) ? [strip(events.get(id)!)] : [])), own];
}
