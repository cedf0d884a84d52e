/**
 * What the persister keeps in memory per room it writes (it owns the room, so
 * it never re-reads these per event): the version, the current state events
 * (the auth rules read them), the forward extremities and the state group of
 * the current state. Loaded once on first use.
 */
import { TimeSlicer, getRoomVersion, stateKeyOf, type EventReference, type RoomEvent, type RoomVersion, type StateKey, type StateMap } from '@lattice/core';
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

/** Longest run of parsing state events before the event loop gets a turn. */
const SLICE_MS = 10;

/**
 * A page of the current state in key order. Only the page's keys are joined with their events:
 * where the planner has no statistics (PGlite has no autovacuum) it sorts the room's keys
 * rather than walk the index, and a join of the whole state before that sort would be slow.
 */
const STATE_PAGE = (keyset: string) =>
  `SELECT e.event_id, e.json, c.type, c.state_key
   FROM (SELECT type, state_key, event_id FROM current_state_events WHERE room_id = $1 ${keyset} ORDER BY type, state_key LIMIT $2) c
   LEFT JOIN events e ON e.event_id = c.event_id
   ORDER BY c.type, c.state_key`;
const FIRST_STATE_PAGE = STATE_PAGE('');
const NEXT_STATE_PAGE = STATE_PAGE('AND (type, state_key) > ($3, $4)');

/**
 * `pageRows`: state events read per statement. PGlite runs each statement on the event loop's
 * thread, so a large room's state is read in short statements there.
 */
export async function loadWriterState(db: Queryable, roomId: string, pageRows = 5_000): Promise<RoomWriterState | undefined> {
  const { rows: roomRows } = await db.query<{ room_version: string }>('SELECT room_version FROM rooms WHERE room_id = $1', [roomId]);
  const versionId = roomRows[0]?.room_version;
  if (versionId === undefined) return undefined;
  const version = getRoomVersion(versionId);
  if (version === undefined) throw new Error(`room ${roomId} has unknown version ${versionId}`);

  const extremityRows = await db.query<{ event_id: string; json: string; depth: number; state_group: number | null }>(
    `SELECT e.event_id, e.json, e.topological_ordering AS depth, g.state_group
     FROM event_forward_extremities f
     JOIN events e ON e.event_id = f.event_id
     LEFT JOIN event_to_state_groups g ON g.event_id = f.event_id
     WHERE f.room_id = $1`,
    [roomId],
  );
  const state = new Map<StateKey, RoomEvent>();
  // A large room's state is tens of thousands of events: parsed in slices, with event-loop turns between.
  const slicer = new TimeSlicer(SLICE_MS);
  let after: [string, string] | undefined;
  for (;;) {
    const { rows } = await db.query<{ event_id: string | null; json: string | null; type: string; state_key: string }>(
      after === undefined ? FIRST_STATE_PAGE : NEXT_STATE_PAGE,
      after === undefined ? [roomId, pageRows] : [roomId, pageRows, ...after],
    );
    for (const r of rows) {
      if (r.json !== null) state.set(stateKeyOf(r.type, r.state_key), roomEventFromJson(r.json, r.event_id!, roomId));
      await slicer.pass();
    }
    if (rows.length < pageRows) break;
    const last = rows[rows.length - 1]!;
    after = [last.type, last.state_key];
  }
  const extremities = extremityRows.rows.map((r) => ({
    eventId: r.event_id,
    depth: r.depth,
    ref: eventReference(roomEventFromJson(r.json, r.event_id, roomId), version),
  }));
  const only = extremityRows.rows.length === 1 ? extremityRows.rows[0]! : undefined;
  return { roomId, version, state, extremities, stateGroup: only?.state_group ?? undefined };
}
