/**
 * Compiles an EventFilter / RoomEventFilter into a predicate, once per filter, so
 * that /sync over many rooms and events pays only for the fields the client set.
 *
 * Semantics (event_filter.yaml, room_event_filter.yaml):
 *   - an absent list includes everything; an empty `types`/`senders`/`rooms` list
 *     includes nothing;
 *   - `not_*` wins: "A matching type will be excluded even if it is listed in the
 *     `types` filter" (likewise senders and rooms);
 *   - `types`/`not_types` take `*` wildcards (see type-pattern.ts); senders and rooms
 *     are compared exactly;
 *   - `contains_url: true` keeps only events whose `content.url` is a string,
 *     `false` keeps only the others, absent ignores `url`;
 *   - an event without a sender (e.g. account data) or without a room fails a
 *     `senders` or `rooms` inclusion list, and passes the exclusion lists.
 */
import { compileTypePatterns } from './type-pattern.js';
import type { EventFilter, FilterableEvent, RoomEventFilter } from './types.js';

/**
 * `roomId` overrides `event.room_id`: /sync strips room_id from timeline, ephemeral
 * and room account-data events, so the caller passes the room it is working on.
 */
export type EventMatcher = (event: FilterableEvent, roomId?: string) => boolean;

const ACCEPT_ALL: EventMatcher = () => true;
const REJECT_ALL: EventMatcher = () => false;

/** True when the filter can match no event at all, so a caller may skip fetching. */
export function filterMatchesNothing(filter: RoomEventFilter | undefined): boolean {
  if (filter === undefined) return false;
  return (
    filter.types?.length === 0 ||
    filter.senders?.length === 0 ||
    filter.rooms?.length === 0 ||
    (filter.not_types?.some(isAllStars) ?? false)
  );
}

function isAllStars(pattern: string): boolean {
  return /^\*+$/.test(pattern);
}

export function compileEventFilter(filter: EventFilter | RoomEventFilter | undefined): EventMatcher {
  if (filter === undefined) return ACCEPT_ALL;
  if (filterMatchesNothing(filter)) return REJECT_ALL;
  const f: RoomEventFilter = filter;
  const checks: EventMatcher[] = [];

  // Exclusions first: they decide alone and are usually short.
  if (f.not_types && f.not_types.length > 0) {
    const excluded = compileTypePatterns(f.not_types);
    checks.push((e) => !excluded(e.type));
  }
  if (f.not_senders && f.not_senders.length > 0) {
    const excluded = new Set(f.not_senders);
    checks.push((e) => e.sender === undefined || !excluded.has(e.sender));
  }
  if (f.not_rooms && f.not_rooms.length > 0) {
    const excluded = new Set(f.not_rooms);
    checks.push((e, roomId = e.room_id) => roomId === undefined || !excluded.has(roomId));
  }
  if (f.types) {
    const included = compileTypePatterns(f.types);
    checks.push((e) => included(e.type));
  }
  if (f.senders) {
    const included = new Set(f.senders);
    checks.push((e) => e.sender !== undefined && included.has(e.sender));
  }
  if (f.rooms) {
    const included = new Set(f.rooms);
    checks.push((e, roomId = e.room_id) => roomId !== undefined && included.has(roomId));
  }
  if (f.contains_url !== undefined) {
    const wanted = f.contains_url;
    checks.push((e) => hasUrl(e.content) === wanted);
  }
  return all(checks);
}

function hasUrl(content: unknown): boolean {
  return typeof content === 'object' && content !== null && typeof (content as { url?: unknown }).url === 'string';
}

function all(checks: EventMatcher[]): EventMatcher {
  switch (checks.length) {
    case 0:
      return ACCEPT_ALL;
    case 1:
      return checks[0]!;
    case 2: {
      const [a, b] = checks as [EventMatcher, EventMatcher];
      return (e, roomId) => a(e, roomId) && b(e, roomId);
    }
    default:
      return (e, roomId) => {
        for (let i = 0; i < checks.length; i++) if (!checks[i]!(e, roomId)) return false;
        return true;
      };
  }
}
