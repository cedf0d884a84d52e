/**
 * The state a sync sends (spec "Syncing"): the state at the START of each
 * room's timeline, in full (initial sync, newly joined rooms, full_state) or
 * as the difference from the state at `since` (a gappy incremental sync).
 *
 * The state at the start of a timeline is the state at the window's end
 * rewound through the window's events (each state event gives back the state
 * it replaced), so no state is loaded per event; the state at the window's
 * end is the room's cached current state unless newer events have arrived.
 */
import { stateKeyOf, type StateMap } from '@lattice/core';
import type { RoomStore } from '@lattice/rooms';
import type { Database } from '@lattice/storage';
import { lastEventsAtOrBefore, latestStreamOrderings } from '../stores/sync-reads.js';
import type { LoadedTimeline } from './timelines.js';

export interface StatePoint {
  roomId: string;
  /** The window's end (stream position). */
  at: number;
  timeline: LoadedTimeline;
}

/** The state at the start of each room's timeline. */
export async function statesAtTimelineStart(db: Database, store: RoomStore, points: readonly StatePoint[]): Promise<Map<string, StateMap>> {
  const ends = await statesAt(db, store, points);
  const out = new Map<string, StateMap>();
  for (const point of points) {
    const state = ends.get(point.roomId) ?? new Map();
    for (const stored of point.timeline.replayed) {
      const { event } = stored;
      if (event.state_key === undefined) continue;
      const key = stateKeyOf(event.type, event.state_key);
      if (state.get(key) !== event.event_id) continue;
      if (stored.replacesState) state.set(key, stored.replacesState.eventId);
      else state.delete(key);
    }
    out.set(point.roomId, state);
  }
  return out;
}

/** The state of each room at a stream position (rooms with no event by then are absent). */
export async function statesAt(
  db: Database,
  store: RoomStore,
  points: ReadonlyArray<{ roomId: string; at: number }>,
): Promise<Map<string, StateMap>> {
  const out = new Map<string, StateMap>();
  if (points.length === 0) return out;
  const latest = await latestStreamOrderings(db, points.map((p) => p.roomId));
  const historical = points.filter((p) => (latest.get(p.roomId) ?? 0) > p.at);
  // Nothing happened since: the (cached) current state is the state at the position.
  await Promise.all(
    points
      .filter((p) => (latest.get(p.roomId) ?? 0) <= p.at)
      .map(async (p) => out.set(p.roomId, await store.currentState(p.roomId))),
  );
  if (historical.length > 0) {
    const lastEvents = await lastEventsAtOrBefore(db, historical);
    await Promise.all(
      [...lastEvents].map(async ([roomId, eventId]) => out.set(roomId, await store.stateAfterEvent(eventId))),
    );
  }
  return out;
}

/** The entries of `to` that differ from `from` (what changed between two states). */
export function stateDelta(from: StateMap, to: StateMap): StateMap {
  const delta: StateMap = new Map();
  for (const [key, id] of to) if (from.get(key) !== id) delta.set(key, id);
  return delta;
}
