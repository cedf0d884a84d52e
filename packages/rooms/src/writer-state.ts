/**
 * What the persister keeps in memory per room it writes (it owns the room, so
 * it never re-reads these per event): the version, the current state events
 * (the auth rules read them), the forward extremities and the state group of
 * the current state. Loaded once on first use.
 */
import { getRoomVersion, stateKeyOf, type EventReference, type RoomEvent, type RoomVersion, type StateKey, type StateMap } from '@lattice/core';
import type { Queryable } from '@lattice/storage';
import { eventReference } from './event-builder.js';
import { roomEventFromJson } from './event-rows.js';

export interface Extremity {
  eventId: string;
  depth: number;
  /** How the next event cites it (v1–2 need the reference hash). */
  ref: EventReference;
}

export interface RoomWriterState {
  roomId: string;
  version: RoomVersion;
  state: Map<StateKey, RoomEvent>;
  extremities: Extremity[];
  /** The group holding exactly `state`; undefined when none does yet (several extremities
   *  after federation): the next state event then writes a snapshot. */
  stateGroup: number | undefined;
  /** The ids of `state`, as a map no one changes (events' states share it); dropped whenever `state` changes otherwise. */
  stateIds?: StateMap;
}

export async function loadWriterState(db: Queryable, roomId: string): Promise<RoomWriterState | undefined> {
  const { rows: roomRows } = await db.query<{ room_version: string }>('SELECT room_version FROM rooms WHERE room_id = $1', [roomId]);
  const versionId = roomRows[0]?.room_version;
  if (versionId === undefined) return undefined;
  const version = getRoomVersion(versionId);
  if (version === undefined) throw new Error(`room ${roomId} has unknown version ${versionId}`);

  const [stateRows, extremityRows] = await Promise.all([
    db.query<{ event_id: string; json: string }>(
      `SELECT e.event_id, e.json FROM current_state_events c JOIN events e ON e.event_id = c.event_id
       WHERE c.room_id = $1`,
      [roomId],
    ),
    db.query<{ event_id: string; json: string; depth: number; state_group: number | null }>(
      `SELECT e.event_id, e.json, e.topological_ordering AS depth, g.state_group
       FROM event_forward_extremities f
       JOIN events e ON e.event_id = f.event_id
       LEFT JOIN event_to_state_groups g ON g.event_id = f.event_id
       WHERE f.room_id = $1`,
      [roomId],
    ),
  ]);
  const state = new Map<StateKey, RoomEvent>();
  for (const r of stateRows.rows) {
    const event = roomEventFromJson(r.json, r.event_id, roomId);
    state.set(stateKeyOf(event.type, event.state_key!), event);
  }
  const extremities = extremityRows.rows.map((r) => ({
    eventId: r.event_id,
    depth: r.depth,
    ref: eventReference(roomEventFromJson(r.json, r.event_id, roomId), version),
  }));
  const only = extremityRows.rows.length === 1 ? extremityRows.rows[0]! : undefined;
  return { roomId, version, state, extremities, stateGroup: only?.state_group ?? undefined };
}
