/**
 * The public contract of @lattice/rooms: writing room events (EventPersister,
 * the event-persister role's core, ARCHITECTURE.md §5) and reading them back
 * (RoomStore: timelines, state, memberships, pagination) for the room
 * endpoints, /messages and /sync. toClientEvent turns a stored event into the
 * spec's ClientEvent.
 *
 * Stream positions: every event gets a `streamOrdering` (events stream
 * position) and a `topologicalOrdering` (its depth). /sync reads by stream
 * ordering, /messages pages in DAG order by (topological, stream).
 */
import type { HomeserverConfig, Logger, RoomEvent, RoomVersion, SigningKey } from '@lattice/core';
import type { Database } from '@lattice/storage';
import type { EventsReplication } from './replication-port.js';

export interface RoomsContext {
  db: Database;
  config: HomeserverConfig;
  signingKey: SigningKey;
  /** This writer's name in the events stream (events.instance_name). */
  instanceName: string;
  /** The process's @lattice/replication ReplicationHub (it satisfies this interface). */
  hub: EventsReplication;
  logger: Logger;
  /** Milliseconds since the epoch; defaults to Date.now (tests pin it). */
  clock?: () => number;
}

/** An event a local user wants to send; the persister fills in everything else. */
export interface EventDraft {
  room_id: string;
  type: string;
  /** Present (possibly '') for state events. */
  state_key?: string;
  sender: string;
  content: Record<string, unknown>;
  /** m.room.redaction only: the redacted event (top-level in v1–10, moved into content for v11+). */
  redacts?: string;
  /** An application service's massaged timestamp (`?ts=`); default: now. */
  origin_server_ts?: number;
}

/** A client's transaction for idempotent sends (PUT …/send/{type}/{txnId}). */
export interface TxnKey {
  userId: string;
  deviceId: string;
  txnId: string;
}

export interface StoredEvent {
  /** The event as held (room_id and event_id known); content already pruned when redactedBy is set. */
  event: RoomEvent;
  streamOrdering: number;
  topologicalOrdering: number;
  rejectedReason: string | null;
  softFailed: boolean;
  outlier: boolean;
  /** The redaction event applied to this one (v3+: only when its sender was allowed to redact it). */
  redactedBy: string | null;
  /** That redaction event, loaded along for unsigned.redacted_because. */
  redaction?: RoomEvent;
  /** For a state event: the state event it replaced, if any (unsigned.replaces_state / prev_content). */
  replacesState?: { eventId: string; content: Record<string, unknown>; sender: string };
  /** The transaction the event was sent in (only echoed to that device). */
  txn?: TxnKey;
}

export interface SendResult {
  event: RoomEvent;
  /** The events stream position of the event: the write's read-your-writes position. */
  streamOrdering: number;
  /** True when the (user, device, txnId) was already used: the existing event is returned, nothing written. */
  deduplicated: boolean;
}

export interface CreateRoomOptions {
  version: RoomVersion;
  creator: string;
  /** Content of m.room.create besides room_version (and creator before v11), e.g. `type`, `additional_creators`. */
  createContent: Record<string, unknown>;
  /** The events that follow the create event in the same batch (creator join, power levels, join rules, …). */
  then: Array<Omit<EventDraft, 'room_id'>>;
}

/** A point between two events of a room in DAG order: after the event at (topological, stream).
 *  Without `topological` it is the point after stream position `stream` (a sync token). */
export interface TopologicalPosition {
  topological?: number;
  stream: number;
}

export interface PaginationResult {
  events: StoredEvent[];
  /** Where the next page starts; absent when there are no more events in that direction. */
  next?: TopologicalPosition;
}

export interface MembershipRecord {
  roomId: string;
  membership: string;
  eventId: string;
  streamOrdering: number;
  /** The user forgot the room (POST /forget) while holding this membership: no history, not in sync. */
  forgotten?: boolean;
}

export interface MembershipChange extends MembershipRecord {
  sender: string;
}

/** The spec's ClientEvent (format 'client') or ClientEventWithoutRoomID (format 'sync'). */
export interface ClientEvent {
  content: Record<string, unknown>;
  event_id: string;
  origin_server_ts: number;
  room_id?: string;
  sender: string;
  state_key?: string;
  type: string;
  /** Kept top-level for v1–10 redactions (clients read both places). */
  redacts?: string;
  unsigned?: ClientUnsigned;
}

export interface ClientUnsigned {
  age?: number;
  membership?: string;
  prev_content?: Record<string, unknown>;
  replaces_state?: string;
  prev_sender?: string;
  redacted_because?: ClientEvent;
  transaction_id?: string;
  [key: string]: unknown;
}

export interface ClientEventOptions {
  roomVersion: RoomVersion;
  /** Now, ms: unsigned.age = now - origin_server_ts. */
  now: number;
  /** The requesting device: unsigned.transaction_id is included only when it sent the event. */
  viewer?: { userId: string; deviceId?: string };
  /** The requesting user's membership at the event (unsigned.membership), computed by the caller. */
  membership?: string;
  /** Overrides stored.redaction. */
  redaction?: StoredEvent;
  /** 'client' (default) includes room_id; 'sync' leaves it out. */
  format?: 'client' | 'sync';
}

export interface CreateEventOptions {
  txn?: TxnKey;
  /**
   * Only where events are written: awaited once the event is committed and before other workers are told
   * of it (its rows published), e.g. to record the sender's read-your-writes position (the worker split
   * starts that Redis write here without awaiting it: it goes out on the announcement's connection, ahead
   * of it). Not called for a deduplicated retry. A failure is thrown by createEvent after the rows are published.
   */
  beforeAnnounce?: (result: SendResult) => Promise<void>;
}

/** The methods of the EventPersister class (persister.ts). All writes for a room go through one persister. */
export interface EventPersisterApi {
  /** Creates a room: the create event (room id derived from it in v12, random before) and `then`, in one transaction. */
  createRoom(opts: CreateRoomOptions): Promise<{ roomId: string; events: SendResult[] }>;
  /**
   * Builds, signs, authorises and persists one event. Throws MatrixError: 404 M_NOT_FOUND (unknown room),
   * 400 M_BAD_JSON (value not canonical JSON for the version) / M_INVALID_PARAM (field too long),
   * 413 M_TOO_LARGE (PDU over 65536 bytes), 403 M_FORBIDDEN (auth rules, with the reason). Nothing is
   * written when it throws. With `txn`, a retry returns the first event with deduplicated: true (even if
   * the room has since changed so that the retry alone would be refused).
   * Sends to one room are serialised in call order; the result's streamOrdering is the write's position
   * (wait for it / record it for read-your-writes before answering the client).
   */
  createEvent(draft: EventDraft, opts?: CreateEventOptions): Promise<SendResult>;
  /**
   * Only where events are written (the persister, not a client of a remote one): runs `hook` after each
   * committed batch, before its rows are published (push notifications). Returns the hook's removal.
   */
  onPersisted?(hook: (events: readonly SendResult[]) => Promise<void>): () => void;
}

/**
 * The methods of the RoomStore class (store.ts). Rejected, soft-failed and outlier events never appear in
 * timelines. Returned StoredEvents are shared with the cache: treat them as immutable.
 */
export interface RoomStoreApi {
  roomVersion(roomId: string): Promise<RoomVersion | undefined>;
  getEvent(eventId: string): Promise<StoredEvent | undefined>;
  getEvents(eventIds: readonly string[]): Promise<Map<string, StoredEvent>>;
  currentState(roomId: string): Promise<import('@lattice/core').StateMap>;
  currentStateEvent(roomId: string, type: string, stateKey: string): Promise<StoredEvent | undefined>;
  currentStateEvents(roomId: string, filter?: { types?: string[] }): Promise<StoredEvent[]>;
  /** State after an event (for a message event, equal to the state before it). */
  stateAfterEvent(eventId: string): Promise<import('@lattice/core').StateMap>;
  /** State before an event: the state after it minus its own contribution (its replaced state event). */
  stateBeforeEvent(eventId: string): Promise<import('@lattice/core').StateMap>;
  /** The user's current membership in a room (any server's user). */
  membership(roomId: string, userId: string): Promise<MembershipRecord | undefined>;
  /** Joined members with their profile from the member event. */
  joinedMembers(roomId: string): Promise<Map<string, { displayname?: string; avatar_url?: string }>>;
  /** A LOCAL user's rooms, optionally only those with the given memberships. */
  roomsForUser(userId: string, memberships?: string[]): Promise<MembershipRecord[]>;
  /** Every change of the user's own membership in (fromStream, toStream], oldest first. */
  membershipChangesForUser(userId: string, fromStream: number, toStream: number): Promise<MembershipChange[]>;
  /** Timeline events with stream ordering in (from, to]; `limit` counted from the `order` end
   *  (desc = newest first, what a sync timeline takes). */
  roomEventsBetween(
    roomId: string,
    fromStreamExclusive: number,
    toStreamInclusive: number,
    limit: number,
    order: 'asc' | 'desc',
  ): Promise<StoredEvent[]>;
  roomsWithEventsBetween(roomIds: readonly string[], fromExclusive: number, toInclusive: number): Promise<Set<string>>;
  /** /messages: events before (dir 'b', newest first) or after (dir 'f', oldest first) `from`, stopping at `to`. */
  paginate(
    roomId: string,
    from: TopologicalPosition,
    dir: 'b' | 'f',
    limit: number,
    to?: TopologicalPosition,
  ): Promise<PaginationResult>;
  /** Records that the user forgot the room while holding the membership `membershipEventId`. */
  forgetRoom(userId: string, roomId: string, membershipEventId: string): Promise<void>;
  /** The event a (user, device, txnId) produced, if any. */
  eventByTxn(userId: string, deviceId: string, txnId: string): Promise<string | undefined>;
  /** Events relating to `eventId` (the event_relations index), newest first. */
  relations(eventId: string, opts?: { relType?: string; eventType?: string; limit?: number; fromStream?: number; dir?: 'b' | 'f' }): Promise<StoredEvent[]>;
}
