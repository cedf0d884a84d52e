/**
 * Reading events back: one SELECT shape for every read of full events, and
 * the mapping of its rows to StoredEvent (pruned content for redacted events,
 * the applied redaction, the replaced state event, the sending transaction).
 * events.json holds the wire PDU; event_id and room_id come from their columns
 * so nothing is re-hashed on read.
 */
import { getRoomVersion, redactPdu, type RoomEvent, type RoomVersion } from '@lattice/core';
import { rowsRelation, type Queryable } from '@lattice/storage';
import type { StoredEvent } from './api.js';

export interface EventRow {
  event_id: string;
  room_id: string;
  json: string;
  stream_ordering: number;
  topological_ordering: number;
  rejected_reason: string | null;
  soft_failed: boolean;
  outlier: boolean;
  redacted: boolean;
  room_version: string | null;
  redaction_id: string | null;
  redaction_json: string | null;
  prev_id: string | null;
  prev_json: string | null;
  prev_redacted: boolean | null;
  txn_user: string | null;
  txn_device: string | null;
  txn_id: string | null;
}

/** The columns of an EventRow, of the events `e` (the applied redaction is the earliest visible one). */
const EVENT_COLUMNS = `
  e.event_id, e.room_id, e.json, e.stream_ordering, e.topological_ordering, e.rejected_reason,
  e.soft_failed, e.outlier, e.redacted, ro.room_version,
  rd.event_id AS redaction_id, rd.json AS redaction_json,
  p.event_id AS prev_id, p.json AS prev_json, p.redacted AS prev_redacted,
  t.user_id AS txn_user, t.device_id AS txn_device, t.txn_id`;

/** What EVENT_COLUMNS reads besides the events `e`. */
const EVENT_JOINS = `
  LEFT JOIN rooms ro ON ro.room_id = e.room_id
  LEFT JOIN LATERAL (
    SELECT re.event_id, re.json FROM redactions r JOIN events re ON re.event_id = r.event_id
    WHERE e.redacted AND r.redacts = e.event_id AND re.rejected_reason IS NULL AND NOT re.soft_failed
    ORDER BY re.stream_ordering LIMIT 1
  ) rd ON TRUE
  LEFT JOIN events p ON p.event_id = e.replaces_state
  LEFT JOIN event_txn_ids t ON t.event_id = e.event_id`;

/** Full events by id. */
const SELECT_EVENTS = `SELECT ${EVENT_COLUMNS} FROM events e ${EVENT_JOINS} WHERE e.event_id = ANY($1::text[])`;

/**
 * As `e`, the newest $4 events of each window `w` (room, positions (lo, hi],
 * parameters $1 to $3, see rowsRelation) that a client may see in a timeline
 * (not rejected, soft-failed or outliers).
 */
const recentInWindows = (windows: string) => `
  FROM ${windows} AS w (room_id, lo, hi)
  CROSS JOIN LATERAL (
    SELECT * FROM events x
    WHERE x.room_id = w.room_id AND x.stream_ordering > w.lo AND x.stream_ordering <= w.hi
      AND NOT x.outlier AND x.rejected_reason IS NULL AND NOT x.soft_failed
    ORDER BY x.stream_ordering DESC LIMIT $4
  ) e`;

const recentEventsSql = (windows: string) =>
  `SELECT ${EVENT_COLUMNS} ${recentInWindows(windows)} ${EVENT_JOINS} ORDER BY w.room_id, e.stream_ordering DESC`;
const recentEventIdsSql = (windows: string) => `SELECT w.room_id, e.event_id ${recentInWindows(windows)} ORDER BY w.room_id, e.stream_ordering DESC`;

export interface EventWindow {
  roomId: string;
  /** Exclusive lower bound (0: from the start). */
  from: number;
  /** Inclusive upper bound. */
  to: number;
}

export async function selectEvents(db: Queryable, eventIds: readonly string[]): Promise<StoredEvent[]> {
  if (eventIds.length === 0) return [];
  const { rows } = await db.query<EventRow>(SELECT_EVENTS, [eventIds]);
  return rows.map(storedEventFromRow);
}

/** The windows' query, from its text for a relation of windows, and its parameters. */
function windowsQuery(windows: readonly EventWindow[], limit: number, sqlFor: (windows: string) => string): [string, unknown[]] {
  const relation = rowsRelation(1, [['text', windows.map((w) => w.roomId)], ['bigint', windows.map((w) => w.from)], ['bigint', windows.map((w) => w.to)]]);
  return [sqlFor(relation.sql), [...relation.params, limit]];
}

/** Rows of the newest `limit` visible events of each window, newest first per room. */
export async function selectRecentEventRows(db: Queryable, windows: readonly EventWindow[], limit: number): Promise<EventRow[]> {
  const live = windows.filter((w) => w.to > w.from);
  if (live.length === 0) return [];
  return (await db.query<EventRow>(...windowsQuery(live, limit, recentEventsSql))).rows;
}

/** The ids alone of the newest `limit` visible events of each window, newest first (rooms without any are absent). */
export async function selectRecentEventIds(db: Queryable, windows: readonly EventWindow[], limit: number): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const live = windows.filter((w) => w.to > w.from);
  if (live.length === 0) return out;
  const { rows } = await db.query<{ room_id: string; event_id: string }>(...windowsQuery(live, limit, recentEventIdsSql));
  for (const r of rows) {
    let ids = out.get(r.room_id);
    if (!ids) out.set(r.room_id, (ids = []));
    ids.push(r.event_id);
  }
  return out;
}

/** A RoomEvent from its stored wire JSON and its id columns. */
export function roomEventFromJson(json: string, eventId: string, roomId: string): RoomEvent {
  const event = JSON.parse(json) as RoomEvent;
  event.event_id = eventId;
  event.room_id = roomId;
  return event;
}

function pruned(event: RoomEvent, version: RoomVersion): RoomEvent {
  return { ...redactPdu(event, version), event_id: event.event_id, room_id: event.room_id } as RoomEvent;
}

export function storedEventFromRow(row: EventRow): StoredEvent {
  const version = getRoomVersion(row.room_version ?? '1');
  let event = roomEventFromJson(row.json, row.event_id, row.room_id);
  const redaction =
    row.redaction_id !== null && row.redaction_json !== null
      ? roomEventFromJson(row.redaction_json, row.redaction_id, row.room_id)
      : undefined;
  if (redaction !== undefined && version !== undefined) event = pruned(event, version);
  const stored: StoredEvent = {
    event,
    streamOrdering: row.stream_ordering,
    topologicalOrdering: row.topological_ordering,
    rejectedReason: row.rejected_reason,
    softFailed: row.soft_failed,
    outlier: row.outlier,
    redactedBy: redaction?.event_id ?? null,
  };
  if (redaction !== undefined) stored.redaction = redaction;
  if (row.prev_id !== null && row.prev_json !== null) {
    let prev = roomEventFromJson(row.prev_json, row.prev_id, row.room_id);
    if (row.prev_redacted && version !== undefined) prev = pruned(prev, version);
    stored.replacesState = { eventId: prev.event_id, content: prev.content, sender: prev.sender };
  }
  if (row.txn_user !== null && row.txn_device !== null && row.txn_id !== null) {
    stored.txn = { userId: row.txn_user, deviceId: row.txn_device, txnId: row.txn_id };
  }
  return stored;
}
