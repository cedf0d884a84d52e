/**
 * Validation of client-supplied filters against the spec's schemas
 * (data/api/client-server/definitions/{sync_filter,event_filter,room_event_filter}.yaml).
 *
 * Unknown fields are ignored (the schemas are open, so newer clients keep working);
 * a known field of the wrong type is an error. Errors name the offending path
 * (e.g. `room.timeline.limit`) and carry:
 *   - M_BAD_JSON (default): the filter is a request body, e.g. POST /user/{userId}/filter
 *     ("valid JSON, but malformed: invalid values for keys").
 *   - M_INVALID_PARAM: the filter came in a query parameter (/sync, /messages, /context),
 *     i.e. "a parameter that was specified has the wrong value".
 */
import { MatrixError } from '../errors.js';
import { parseJsonStrict } from '../json/parse-json-strict.js';
import type { EventFilter, EventFormat, Filter, RoomEventFilter, RoomFilter } from './types.js';

export type FilterErrcode = 'M_BAD_JSON' | 'M_INVALID_PARAM';

type Json = Record<string, unknown>;

class FilterReader {
  constructor(private readonly errcode: FilterErrcode) {}

  fail(path: string, expected: string): never {
    throw new MatrixError(400, this.errcode, `Invalid filter: ${path || 'the filter'} must be ${expected}`);
  }

  object(value: unknown, path: string): Json {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(path, 'an object');
    return value as Json;
  }

  boolean(value: unknown, path: string): boolean {
    if (typeof value !== 'boolean') this.fail(path, 'a boolean');
    return value;
  }

  /**
   * The schema says "an integer greater than 0", but `limit: 0` is what widely used
   * clients and libraries (mautrix-go, many bots) send to skip history, and Synapse
   * accepts it, so 0 is allowed and means "no events". Negative, fractional and
   * unsafe integers are refused.
   */
  limit(value: unknown, path: string): number {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      this.fail(path, 'a non-negative integer');
    }
    return value;
  }

  /** An array of strings; `prefix` is the sigil the schema's pattern demands (`@`, `!`). */
  strings(value: unknown, path: string, prefix = ''): string[] {
    if (!Array.isArray(value)) this.fail(path, 'an array of strings');
    for (const item of value) {
      if (typeof item !== 'string') this.fail(path, 'an array of strings');
      if (!item.startsWith(prefix)) this.fail(path, `an array of IDs starting with '${prefix}'`);
    }
    return value.slice() as string[];
  }

  eventFilter(value: unknown, path: string): EventFilter {
    const json = this.object(value, path);
    const out: EventFilter = {};
    if (json.limit !== undefined) out.limit = this.limit(json.limit, at(path, 'limit'));
    if (json.types !== undefined) out.types = this.strings(json.types, at(path, 'types'));
    if (json.not_types !== undefined) out.not_types = this.strings(json.not_types, at(path, 'not_types'));
    if (json.senders !== undefined) out.senders = this.strings(json.senders, at(path, 'senders'), '@');
    if (json.not_senders !== undefined) out.not_senders = this.strings(json.not_senders, at(path, 'not_senders'), '@');
    return out;
  }

  roomEventFilter(value: unknown, path: string): RoomEventFilter {
    const out: RoomEventFilter = this.eventFilter(value, path);
    const json = value as Json;
    if (json.rooms !== undefined) out.rooms = this.strings(json.rooms, at(path, 'rooms'), '!');
    if (json.not_rooms !== undefined) out.not_rooms = this.strings(json.not_rooms, at(path, 'not_rooms'), '!');
    for (const key of ROOM_EVENT_FILTER_FLAGS) {
      if (json[key] !== undefined) out[key] = this.boolean(json[key], at(path, key));
    }
    return out;
  }

  roomFilter(value: unknown, path: string): RoomFilter {
    const json = this.object(value, path);
    const out: RoomFilter = {};
    if (json.rooms !== undefined) out.rooms = this.strings(json.rooms, at(path, 'rooms'), '!');
    if (json.not_rooms !== undefined) out.not_rooms = this.strings(json.not_rooms, at(path, 'not_rooms'), '!');
    if (json.include_leave !== undefined) out.include_leave = this.boolean(json.include_leave, at(path, 'include_leave'));
    for (const key of ROOM_SECTIONS) {
      if (json[key] !== undefined) out[key] = this.roomEventFilter(json[key], at(path, key));
    }
    return out;
  }

  filter(value: unknown): Filter {
    const json = this.object(value, '');
    const out: Filter = {};
    if (json.event_fields !== undefined) out.event_fields = this.strings(json.event_fields, 'event_fields');
    if (json.event_format !== undefined) {
      if (json.event_format !== 'client' && json.event_format !== 'federation') {
        this.fail('event_format', "'client' or 'federation'");
      }
      out.event_format = json.event_format as EventFormat;
    }
    if (json.presence !== undefined) out.presence = this.eventFilter(json.presence, 'presence');
    if (json.account_data !== undefined) out.account_data = this.eventFilter(json.account_data, 'account_data');
    if (json.room !== undefined) out.room = this.roomFilter(json.room, 'room');
    return out;
  }
}

/** The dotted path of `key` inside the object at `path` ('' is the top level). */
function at(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

const ROOM_EVENT_FILTER_FLAGS = [
  'contains_url',
  'lazy_load_members',
  'include_redundant_members',
  'unread_thread_notifications',
] as const;

const ROOM_SECTIONS = ['timeline', 'state', 'ephemeral', 'account_data'] as const;

/** Validates a full filter definition (POST /user/{userId}/filter, /sync `filter`). */
export function parseFilter(json: unknown, errcode: FilterErrcode = 'M_BAD_JSON'): Filter {
  return new FilterReader(errcode).filter(json);
}

/** Validates a bare RoomEventFilter (the `filter` parameter of /messages and /context). */
export function parseRoomEventFilter(json: unknown, errcode: FilterErrcode = 'M_BAD_JSON'): RoomEventFilter {
  const reader = new FilterReader(errcode);
  reader.object(json, '');
  return reader.roomEventFilter(json, '');
}

/**
 * Decodes the JSON text of a `filter` query parameter (already URL-decoded).
 * For /sync the caller first checks `raw.startsWith('{')` to tell inline JSON from
 * a filter ID. Text that is not JSON is a bad parameter value: M_INVALID_PARAM.
 */
export function decodeFilterParam(raw: string): unknown {
  try {
    return parseJsonStrict(raw);
  } catch (e) {
    throw new MatrixError(400, 'M_INVALID_PARAM', `Invalid filter: not valid JSON (${(e as Error).message})`);
  }
}
