/**
 * The persistent data unit (room event) as it travels between servers, in all
 * three event formats. Room v1–v2 carry `event_id` and reference other events as
 * `[event_id, {sha256: hash}]` pairs; v3+ reference them by bare event id.
 */
export type EventReference = string | [string, Record<string, string>];

export interface PDU {
  /** Present on the wire only in room versions 1–2. */
  event_id?: string;
  /** Absent from the m.room.create event of room version 12. */
  room_id?: string;
  sender: string;
  type: string;
  state_key?: string;
  content: Record<string, unknown>;
  origin_server_ts: number;
  depth: number;
  prev_events: EventReference[];
  auth_events: EventReference[];
  hashes: { sha256: string; [alg: string]: string };
  signatures: Record<string, Record<string, string>>;
  unsigned?: Record<string, unknown>;
  /** Top-level in room versions 1–10; inside content from v11. */
  redacts?: string;
  origin?: string;
  [key: string]: unknown;
}

/** A PDU held in memory with its event id known (computed for v3+, carried for v1–2)
 *  and its room id known (derived from the create event in v12). */
export type RoomEvent = PDU & { event_id: string; room_id: string };

function referenceId(ref: EventReference): string {
  return typeof ref === 'string' ? ref : ref[0];
}

export function prevEventIds(pdu: PDU): string[] {
  return pdu.prev_events.map(referenceId);
}

export function authEventIds(pdu: PDU): string[] {
  return pdu.auth_events.map(referenceId);
}

export function isStateEvent(pdu: PDU): boolean {
  return typeof pdu.state_key === 'string';
}

/** Key of a state event in a state map: `${type}\u0000${state_key}` (NUL cannot occur in either). */
export type StateKey = string;

export function stateKeyOf(type: string, stateKey: string): StateKey {
  return `${type}\u0000${stateKey}`;
}

export function splitStateKey(key: StateKey): [type: string, stateKey: string] {
  const i = key.indexOf('\u0000');
  return [key.slice(0, i), key.slice(i + 1)];
}

/** A room state: (type, state_key) → event id. */
export type StateMap = Map<StateKey, string>;
