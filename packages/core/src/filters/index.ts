/**
 * Matrix event filters (client-server-api "Filtering", sync_filter.yaml,
 * room_event_filter.yaml, event_filter.yaml). Pure: no I/O.
 *
 *   parseFilter(json, errcode?)            validate a Filter (POST /filter body, /sync inline JSON);
 *   parseRoomEventFilter(json, errcode?)   validate a RoomEventFilter (/messages, /context);
 *   decodeFilterParam(raw)                 JSON text of a `filter` query parameter → value;
 *     invalid input throws MatrixError 400: M_BAD_JSON by default, M_INVALID_PARAM for
 *     query parameters (pass 'M_INVALID_PARAM'). Unknown fields are ignored.
 *   compileFilter(filter)                  everything /sync needs, compiled once per filter;
 *   compileEventFilter(f)                  (event, roomId?) => boolean for one (Room)EventFilter;
 *   filterMatchesNothing(f)                the section can be skipped outright;
 *   compileRoomFilter(room)                rooms / not_rooms / include_leave;
 *   compileEventFields(fields), projectEventFields(event, fields)   `event_fields`;
 *   lazyMembersToSend(chunk, options)      member state keys to send with lazy loading;
 *   effectiveLimit, DEFAULT_EVENT_LIMIT (10), MAX_EVENT_LIMIT (1000).
 */
export type {
  EventFilter,
  EventFormat,
  Filter,
  FilterableEvent,
  RoomEventFilter,
  RoomFilter,
} from './types.js';
export { parseFilter, parseRoomEventFilter, decodeFilterParam, type FilterErrcode } from './parse-filter.js';
export { compileFilter, type CompiledFilter } from './compile-filter.js';
export { compileEventFilter, filterMatchesNothing, type EventMatcher } from './event-matcher.js';
export { compileRoomFilter, type RoomInclusion, type SyncMembership } from './room-inclusion.js';
export { compileEventFields, projectEventFields, parseFieldPath, type EventProjection } from './event-fields.js';
export { lazyMembersToSend, type LazyMembersOptions } from './lazy-members.js';
export { effectiveLimit, DEFAULT_EVENT_LIMIT, MAX_EVENT_LIMIT } from './limits.js';
