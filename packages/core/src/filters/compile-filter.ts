/**
 * Everything /sync needs from a Filter, compiled once (cache it per filter ID):
 * room inclusion, one matcher per section, limits, lazy-loading flags, the
 * event format and the `event_fields` projection.
 *
 * Which section carries which flag follows Synapse and the clients written
 * against it (matrix-js-sdk, mautrix, matrix-rust-sdk): `lazy_load_members` and
 * `include_redundant_members` are read from `room.state` (they govern the state
 * block), `unread_thread_notifications` from `room.timeline`.
 */
import { compileEventFields, type EventProjection } from './event-fields.js';
import { compileEventFilter, filterMatchesNothing, type EventMatcher } from './event-matcher.js';
import { effectiveLimit } from './limits.js';
import { compileRoomFilter, type RoomInclusion } from './room-inclusion.js';
import type { EventFormat, Filter } from './types.js';

export interface CompiledFilter {
  readonly rooms: RoomInclusion;
  readonly timeline: EventMatcher;
  readonly state: EventMatcher;
  readonly ephemeral: EventMatcher;
  readonly roomAccountData: EventMatcher;
  readonly presence: EventMatcher;
  readonly accountData: EventMatcher;
  /** Sections the client switched off entirely (`types: []`, `not_types: ['*']`, …). */
  readonly skips: {
    readonly timeline: boolean;
    readonly state: boolean;
    readonly ephemeral: boolean;
    readonly roomAccountData: boolean;
    readonly presence: boolean;
    readonly accountData: boolean;
  };
  /** `room.timeline.limit`, default DEFAULT_EVENT_LIMIT, clamped to MAX_EVENT_LIMIT. */
  readonly timelineLimit: number;
  readonly lazyLoadMembers: boolean;
  /** Only ever true together with lazyLoadMembers ("Does not apply unless lazy_load_members is true"). */
  readonly includeRedundantMembers: boolean;
  readonly unreadThreadNotifications: boolean;
  readonly includeLeave: boolean;
  readonly eventFormat: EventFormat;
  /** Applies `event_fields`; the identity when the filter has none. */
  readonly project: EventProjection;
}

export function compileFilter(filter: Filter = {}): CompiledFilter {
  const room = filter.room ?? {};
  const lazyLoadMembers = room.state?.lazy_load_members ?? false;
  return {
    rooms: compileRoomFilter(room),
    timeline: compileEventFilter(room.timeline),
    state: compileEventFilter(room.state),
    ephemeral: compileEventFilter(room.ephemeral),
    roomAccountData: compileEventFilter(room.account_data),
    presence: compileEventFilter(filter.presence),
    accountData: compileEventFilter(filter.account_data),
    skips: {
      timeline: filterMatchesNothing(room.timeline),
      state: filterMatchesNothing(room.state),
      ephemeral: filterMatchesNothing(room.ephemeral),
      roomAccountData: filterMatchesNothing(room.account_data),
      presence: filterMatchesNothing(filter.presence),
      accountData: filterMatchesNothing(filter.account_data),
    },
    timelineLimit: effectiveLimit(room.timeline?.limit),
    lazyLoadMembers,
    includeRedundantMembers: lazyLoadMembers && (room.state?.include_redundant_members ?? false),
    unreadThreadNotifications: room.timeline?.unread_thread_notifications ?? false,
    includeLeave: room.include_leave ?? false,
    eventFormat: filter.event_format ?? 'client',
    project: compileEventFields(filter.event_fields),
  };
}
