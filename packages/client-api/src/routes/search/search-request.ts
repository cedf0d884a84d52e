/**
 * The POST /search body (search.yaml). Only the `room_events` category exists;
 * any other category name is refused rather than silently ignored, so a client
 * never mistakes "unsupported" for "no results". Missing required fields are
 * M_MISSING_PARAM, wrong types or values M_INVALID_PARAM; the filter is a
 * RoomEventFilter validated like every other filter.
 */
import { Errors, parseRoomEventFilter, type RoomEventFilter } from '@lattice/core';
import { optionalBoolean, optionalObject, optionalString, requireString } from '../../http/validate.js';

export const SEARCH_KEYS = ['content.body', 'content.name', 'content.topic'] as const;
export type SearchKey = (typeof SEARCH_KEYS)[number];
export type SearchOrder = 'rank' | 'recent';
export type GroupKey = 'room_id' | 'sender';

/** Results per page when the filter gives no limit (Synapse's default), and the most we return at once. */
export const DEFAULT_SEARCH_LIMIT = 10;
export const MAX_SEARCH_LIMIT = 100;
/** Context events on each side: the spec's default, and our cap. */
export const DEFAULT_CONTEXT_LIMIT = 5;
export const MAX_CONTEXT_LIMIT = 100;

export interface EventContextRequest {
  beforeLimit: number;
  afterLimit: number;
  includeProfile: boolean;
}

export interface RoomEventsCriteria {
  searchTerm: string;
  keys: SearchKey[];
  filter: RoomEventFilter | undefined;
  limit: number;
  orderBy: SearchOrder;
  eventContext: EventContextRequest | undefined;
  includeState: boolean;
  groupBy: GroupKey[];
}

type Body = Record<string, unknown>;

/** undefined when the request has no categories at all (answered with an empty result). */
export function parseSearchRequest(body: Body): RoomEventsCriteria | undefined {
  const categories = optionalObject(body, 'search_categories');
  if (categories === undefined) throw Errors.missingParam('search_categories');
  for (const name of Object.keys(categories)) {
    if (name !== 'room_events') throw Errors.invalidParam(`Unknown search category: ${name}`);
  }
  const roomEvents = optionalObject(categories, 'room_events');
  return roomEvents === undefined ? undefined : parseRoomEvents(roomEvents);
}

function parseRoomEvents(criteria: Body): RoomEventsCriteria {
  const searchTerm = requireString(criteria, 'search_term');
  const filter = criteria['filter'] == null ? undefined : parseRoomEventFilter(criteria['filter'], 'M_INVALID_PARAM');
  const orderBy = optionalString(criteria, 'order_by') ?? 'rank';
  if (orderBy !== 'rank' && orderBy !== 'recent') throw Errors.invalidParam("'order_by' must be 'rank' or 'recent'");
  return {
    searchTerm,
    keys: parseKeys(criteria['keys']),
    filter,
    limit: Math.min(filter?.limit ?? DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT),
    orderBy,
    eventContext: parseEventContext(optionalObject(criteria, 'event_context')),
    includeState: optionalBoolean(criteria, 'include_state') ?? false,
    groupBy: parseGroupings(optionalObject(criteria, 'groupings')),
  };
}

function parseKeys(value: unknown): SearchKey[] {
  if (value === undefined || value === null) return [...SEARCH_KEYS];
  if (!Array.isArray(value)) throw Errors.invalidParam("'keys' must be an array");
  for (const key of value) {
    if (!(SEARCH_KEYS as readonly unknown[]).includes(key)) throw Errors.invalidParam(`Unknown search key: ${String(key)}`);
  }
  return [...new Set(value as SearchKey[])];
}

function contextLimit(context: Body, key: string): number {
  const value = context[key];
  if (value === undefined || value === null) return DEFAULT_CONTEXT_LIMIT;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw Errors.invalidParam(`'event_context.${key}' must be a non-negative integer`);
  }
  return Math.min(value, MAX_CONTEXT_LIMIT);
}

function parseEventContext(context: Body | undefined): EventContextRequest | undefined {
  if (context === undefined) return undefined;
  return {
    beforeLimit: contextLimit(context, 'before_limit'),
    afterLimit: contextLimit(context, 'after_limit'),
    includeProfile: optionalBoolean(context, 'include_profile') ?? false,
  };
}

function parseGroupings(groupings: Body | undefined): GroupKey[] {
  if (groupings === undefined) return [];
  const groupBy = groupings['group_by'];
  if (groupBy === undefined || groupBy === null) return [];
  if (!Array.isArray(groupBy)) throw Errors.invalidParam("'groupings.group_by' must be an array");
  const keys = groupBy.map((group: unknown) => {
    const key = typeof group === 'object' && group !== null ? (group as Body)['key'] : undefined;
    if (key !== 'room_id' && key !== 'sender') throw Errors.invalidParam("Each 'groupings.group_by' entry needs a key of 'room_id' or 'sender'");
    return key;
  });
  return [...new Set(keys)];
}
