/**
 * The replication contract (ARCHITECTURE.md §4). Every change is a row in a
 * stream with a position; writers publish updates, every worker tracks the
 * positions it has seen, applies cache invalidations, then wakes its waiters.
 * The single process uses the in-process transport; the worker split plugs in
 * a Redis transport behind the same interface.
 */
import { CORE_STREAMS } from '@lattice/storage';

/** Streams with durable rows (a sequence in PostgreSQL) plus `typing`, which lives in the writer's memory. */
export type StreamName =
  | 'events'
  | 'account_data'
  | 'to_device'
  | 'device_lists'
  | 'presence'
  | 'receipts'
  | 'push_rules'
  | 'typing'
  | 'caches';

/** Rows of the events stream: enough to route a wake-up and invalidate caches without loading the event. */
export interface EventStreamRow {
  event_id: string;
  room_id: string;
  type: string;
  state_key: string | null;
  sender: string;
  /** m.room.member content.membership, for member events. */
  membership: string | null;
  /** The event was rejected or soft-failed: advance positions, but nobody should see it. */
  hidden?: boolean;
}

/** Rows of the other room-scoped streams (receipts, typing, room account data). */
export interface RoomScopedRow {
  room_id: string;
  user_id?: string;
  /** typing rows: everyone typing in the room after this change (how other workers follow typing). */
  user_ids?: string[];
}

/** Rows of user-scoped streams (account_data, to_device, push_rules, device_lists). */
export interface UserScopedRow {
  user_id: string;
  room_id?: string;
  device_id?: string;
}

/** Cache invalidation rows: `cache` names a cache, `keys` the entries to drop (undefined = all). */
export interface CacheRow {
  cache: string;
  keys?: string[];
}

export interface StreamUpdate<Row = unknown> {
  stream: StreamName;
  /** The writer that produced the rows. */
  instance: string;
  /** The writer's persisted-up-to position after these rows: everything it wrote at or below is committed. */
  position: number;
  rows: Row[];
  /**
   * The highest stream position among `rows` (absent: `position`). It exceeds
   * `position` when the rows committed before an earlier position of the same
   * writer: readers hold such rows back from waiters until `position` covers them.
   */
  rowsPosition?: number;
  /**
   * Each row's own stream position (parallel to `rows`), present when one
   * differs from `rowsPosition ?? position`. A row must reach waiters and the
   * change log at its own position: recorded (or held) at a later one, a sync
   * whose token already covers the row would skip its room and never serve it.
   */
  rowPositions?: number[];
  /**
   * The update's number among this writer's updates of this stream (1, 2, …),
   * stamped by transports that may drop updates (Redis). A reader that sees a
   * number other than the next one missed updates and reads their rows from
   * the database (ReplicationHubOptions.rowSources). Absent: delivery is reliable.
   */
  seq?: number;
  /**
   * Every position in [ownedFrom, position] was handed out to this writer (it
   * is persisted up to `position`): no other writer can hold one of them. A
   * reader moves any other writer it has at ownedFrom - 1 or beyond (and below
   * `position`) up to `position`: that writer has nothing in flight at or below
   * its own position, and nothing in the run. An idle writer that observes the
   * update need not announce that it moved past it (StreamWriter.observe).
   */
  ownedFrom?: number;
  /**
   * Published on behalf of a writer by another process that proved (fencing,
   * see fencing/stalled-writers.ts) that `instance` has nothing in flight at or
   * below `position`. Its rows may never have been announced: readers read
   * them back from the database. Not part of the writer's own `seq` numbering.
   */
  recovered?: boolean;
}

/**
 * The row type of each stream, and how the notifier routes it (who a row wakes):
 * - events: the room; a member event also wakes its state_key user (invites, joins).
 * - receipts, typing: the room.
 * - account_data, to_device, push_rules: the user (room account data stays private).
 * - device_lists, presence: the user, and the room when `room_id` is set (writers
 *   fan out one row per shared room to reach the user's co-members).
 * - caches: nobody (invalidation only).
 */
export interface StreamRows {
  events: EventStreamRow;
  account_data: UserScopedRow;
  to_device: UserScopedRow;
  device_lists: UserScopedRow;
  presence: UserScopedRow;
  receipts: RoomScopedRow;
  push_rules: UserScopedRow;
  typing: RoomScopedRow;
  caches: CacheRow;
}

/** Streams whose positions come from a PostgreSQL sequence (every stream but typing). */
export type DurableStreamName = Exclude<StreamName, 'typing'>;

/** The streams migrations created a sequence for (storage owns that list). */
export const DURABLE_STREAMS: readonly DurableStreamName[] = CORE_STREAMS;

export interface ReplicationTransport {
  publish(update: StreamUpdate): void;
  subscribe(handler: (update: StreamUpdate) => void): () => void;
  /**
   * Transports that may drop updates call `handler` each time their
   * subscription is (re)established, so readers catch up from the database
   * (updates published while it was down are lost). Absent: never needed.
   */
  onConnected?(handler: () => void): () => void;
}

/** A row of a stream with its position, as read back from the database. */
export interface PositionedRow<Row = unknown> {
  position: number;
  row: Row;
}

/**
 * Reads a stream's committed rows back from PostgreSQL: how a reader recovers
 * rows whose announcement it missed (Redis delivery is a hint, ARCHITECTURE.md §4).
 */
export interface StreamRowSource<Row = unknown> {
  /** The rows `instance` wrote to `stream` at positions in (fromExclusive, toInclusive], ascending. */
  rowsBetween(stream: StreamName, instance: string, fromExclusive: number, toInclusive: number): Promise<PositionedRow<Row>[]>;
}
