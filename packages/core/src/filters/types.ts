/**
 * A client's filter definition after validation (spec: Filtering; schemas
 * `sync_filter.yaml`, `event_filter.yaml`, `room_event_filter.yaml`).
 * Field names are the wire names, so a parsed filter serialises back to the
 * known part of what the client sent. Absent fields stay absent: "absent" and
 * "empty list" mean different things (all included vs. none included).
 */

/** `EventFilter`: presence and global account data. */
export interface EventFilter {
  limit?: number;
  types?: string[];
  not_types?: string[];
  senders?: string[];
  not_senders?: string[];
}

/** `RoomEventFilter`: per-room sections of /sync, and /messages, /context. */
export interface RoomEventFilter extends EventFilter {
  rooms?: string[];
  not_rooms?: string[];
  contains_url?: boolean;
  lazy_load_members?: boolean;
  include_redundant_members?: boolean;
  unread_thread_notifications?: boolean;
}

/** `RoomFilter`: the `room` member of a sync filter. */
export interface RoomFilter {
  rooms?: string[];
  not_rooms?: string[];
  include_leave?: boolean;
  timeline?: RoomEventFilter;
  state?: RoomEventFilter;
  ephemeral?: RoomEventFilter;
  account_data?: RoomEventFilter;
}

export type EventFormat = 'client' | 'federation';

/** The top-level `Filter` (what POST /user/{userId}/filter takes and /sync uses). */
export interface Filter {
  event_fields?: string[];
  event_format?: EventFormat;
  presence?: EventFilter;
  account_data?: EventFilter;
  room?: RoomFilter;
}

/** The least an event (PDU, client event, EDU, account data) must carry to be filtered. */
export interface FilterableEvent {
  type: string;
  sender?: string;
  room_id?: string;
  content?: unknown;
}
