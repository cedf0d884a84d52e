/**
 * Power levels as the auth rules read them: the effective m.room.power_levels
 * content with the spec defaults, value parsing per room version (strings in
 * v1–9, floats in v1–5, integers only from v10), the level of a user (with the
 * v1–11 creator fallback and the v12 infinitely powerful creators) and the level
 * an event type requires.
 * Sources: data/event-schemas/schema/m.room.power_levels.yaml, content/rooms/v1.md
 * (stringy and floaty power levels), v10.md, v12.md.
 */
import type { RoomEvent } from '../events/pdu.js';
import type { RoomVersion } from '../room-versions.js';
import { isObject, type StateLookup } from './types.js';
import { isValidUserId } from '../identifiers/user-id.js';

/** The integer-valued top-level keys whose changes rule "power levels" compares. */
export const POWER_LEVEL_KEYS = [
  'users_default',
  'events_default',
  'state_default',
  'ban',
  'redact',
  'kick',
  'invite',
] as const;
export type PowerLevelKey = (typeof POWER_LEVEL_KEYS)[number];

export interface PowerLevels {
  readonly ban: number;
  readonly kick: number;
  readonly redact: number;
  readonly invite: number;
  readonly eventsDefault: number;
  readonly stateDefault: number;
  readonly usersDefault: number;
  readonly events: ReadonlyMap<string, number>;
  readonly notifications: ReadonlyMap<string, number>;
  readonly users: ReadonlyMap<string, number>;
  /** The top-level values as written (undefined when absent): "added, changed or removed"
   *  is decided on these, not on the defaulted ones. */
  readonly explicit: Readonly<Record<PowerLevelKey, number | undefined>>;
  /** Why the content is malformed for its room version, if it is. Malformed values are
   *  left out of the maps and fall back to defaults, so a reader always gets numbers. */
  readonly error: string | undefined;
}

const DEFAULTS: Readonly<Record<PowerLevelKey, number>> = {
  users_default: 0,
  events_default: 0,
  state_default: 50,
  ban: 50,
  redact: 50,
  kick: 50,
  invite: 0,
};

const EMPTY: ReadonlyMap<string, number> = new Map();

/** The levels of a room that has no m.room.power_levels event (users are 0, except the
 *  creator(s): see userPowerLevel). */
export const DEFAULT_POWER_LEVELS: PowerLevels = Object.freeze({
  ban: 50,
  kick: 50,
  redact: 50,
  invite: 0,
  eventsDefault: 0,
  stateDefault: 50,
  usersDefault: 0,
  events: EMPTY,
  notifications: EMPTY,
  users: EMPTY,
  explicit: Object.freeze({
    users_default: undefined,
    events_default: undefined,
    state_default: undefined,
    ban: undefined,
    redact: undefined,
    kick: undefined,
    invite: undefined,
  }),
  error: undefined,
});

const STRINGY_INT = /^\s*[+-]?\d+\s*$/;

/** One power level value under the room version's rules; NaN when it is not a valid level. */
export function parsePowerLevelValue(value: unknown, version: RoomVersion): number {
  if (typeof value === 'number') {
    if (version.enforceIntPowerLevels || version.strictCanonicalJson) {
      return Number.isSafeInteger(value) ? value : NaN;
    }
    // v1–5: floats are truncated; infinities and NaN are rejected.
    return Number.isFinite(value) ? Math.trunc(value) : NaN;
  }
  if (typeof value === 'string' && !version.enforceIntPowerLevels && STRINGY_INT.test(value)) {
    const n = Number(value);
    return n === 0 ? 0 : n; // no -0
  }
  return NaN;
}

/** Parses and validates an m.room.power_levels content for a room version. */
export function parsePowerLevels(content: Record<string, unknown>, version: RoomVersion): PowerLevels {
  let error: string | undefined;
  const explicit = {} as Record<PowerLevelKey, number | undefined>;
  for (const key of POWER_LEVEL_KEYS) {
    const raw = content[key];
    // Before v10 a null is read as absent (as the reference implementation does).
    if (raw === undefined || (raw === null && !version.enforceIntPowerLevels)) {
      explicit[key] = undefined;
      continue;
    }
    const n = parsePowerLevelValue(raw, version);
    if (Number.isNaN(n)) {
      error ??= `power level '${key}' is not an integer`;
      explicit[key] = undefined;
    } else {
      explicit[key] = n;
    }
  }

  const levelMap = (name: string, checkKey?: (key: string) => boolean): ReadonlyMap<string, number> => {
    const raw = content[name];
    if (raw === undefined) return EMPTY;
    if (!isObject(raw)) {
      error ??= `'${name}' is not an object`;
      return EMPTY;
    }
    const map = new Map<string, number>();
    for (const key in raw) {
      if (checkKey && !checkKey(key)) {
        error ??= `'${name}' has an invalid key '${key}'`;
        continue;
      }
      const n = parsePowerLevelValue(raw[key], version);
      if (Number.isNaN(n)) error ??= `'${name}.${key}' is not an integer`;
      else map.set(key, n);
    }
    return map.size === 0 ? EMPTY : map;
  };

  const events = levelMap('events');
  const notifications = levelMap('notifications');
  const users = levelMap('users', (key) => isValidUserId(key));
  return {
    ban: explicit.ban ?? DEFAULTS.ban,
    kick: explicit.kick ?? DEFAULTS.kick,
    redact: explicit.redact ?? DEFAULTS.redact,
    invite: explicit.invite ?? DEFAULTS.invite,
    eventsDefault: explicit.events_default ?? DEFAULTS.events_default,
    stateDefault: explicit.state_default ?? DEFAULTS.state_default,
    usersDefault: explicit.users_default ?? DEFAULTS.users_default,
    events,
    notifications,
    users,
    explicit,
    error,
  };
}

// State resolution re-checks the same events thousands of times: parse each
// power levels event once (per room version, which fixes how values parse).
const parsedCache = new WeakMap<RoomEvent, { version: RoomVersion; levels: PowerLevels }>();

/** The parsed levels of an m.room.power_levels event (cached per event object). */
export function powerLevelsOf(event: RoomEvent, version: RoomVersion): PowerLevels {
  const hit = parsedCache.get(event);
  if (hit !== undefined && hit.version === version) return hit.levels;
  const levels = parsePowerLevels(event.content, version);
  parsedCache.set(event, { version, levels });
  return levels;
}

/** The effective power levels in a state: the m.room.power_levels content with defaults. */
export function effectivePowerLevels(state: StateLookup, version: RoomVersion): PowerLevels {
  const event = state('m.room.power_levels', '');
  return event === undefined ? DEFAULT_POWER_LEVELS : powerLevelsOf(event, version);
}

/** The room creator of room versions 1–11: content.creator before v11, the sender from v11. */
export function roomCreatorOf(create: RoomEvent, version: RoomVersion): string | undefined {
  if (version.implicitRoomCreator) return create.sender;
  const creator = create.content['creator'];
  return typeof creator === 'string' ? creator : undefined;
}

/** v12: is the user a room creator (the create event's sender or one of its additional_creators)? */
export function isRoomCreator(userId: string, create: RoomEvent): boolean {
  if (create.sender === userId) return true;
  const extra = create.content['additional_creators'];
  if (!Array.isArray(extra)) return false;
  for (let i = 0; i < extra.length; i++) if (extra[i] === userId) return true;
  return false;
}

/** The room creators (v12 definition; the single creator in earlier versions). */
export function roomCreators(create: RoomEvent, version: RoomVersion): string[] {
  if (!version.privilegedCreators) {
    const creator = roomCreatorOf(create, version);
    return creator === undefined ? [] : [creator];
  }
  const extra = create.content['additional_creators'];
  const out = [create.sender];
  if (Array.isArray(extra)) for (const u of extra) if (typeof u === 'string' && !out.includes(u)) out.push(u);
  return out;
}

/** v12: the first room creator that a power levels content lists in `users`, if any. */
export function listedCreator(pl: PowerLevels, create: RoomEvent, version: RoomVersion): string | undefined {
  if (!version.privilegedCreators || pl.users.size === 0) return undefined;
  for (const creator of roomCreators(create, version)) if (pl.users.has(creator)) return creator;
  return undefined;
}

/** Why an m.room.power_levels content may not be sent in this room version (malformed
 *  values, or v12 creators in `users`), or undefined when it is acceptable. For checking
 *  new content before building an event; the auth rules do the same. */
export function powerLevelsContentError(
  content: Record<string, unknown>,
  version: RoomVersion,
  create: RoomEvent,
): string | undefined {
  const pl = parsePowerLevels(content, version);
  if (pl.error !== undefined) return pl.error;
  const creator = listedCreator(pl, create, version);
  return creator === undefined ? undefined : `room creator ${creator} cannot be listed in users`;
}

/** A user's level given the room's create event and power levels event (either may be
 *  missing). v12 creators are infinitely powerful; without a power levels event the
 *  v1–11 creator has 100 and everyone else 0. */
export function powerLevelFor(
  userId: string,
  create: RoomEvent | undefined,
  powerLevelsEvent: RoomEvent | undefined,
  version: RoomVersion,
): number {
  if (version.privilegedCreators && create !== undefined && isRoomCreator(userId, create)) return Infinity;
  if (powerLevelsEvent !== undefined) {
    const pl = powerLevelsOf(powerLevelsEvent, version);
    return pl.users.get(userId) ?? pl.usersDefault;
  }
  if (!version.privilegedCreators && create !== undefined && roomCreatorOf(create, version) === userId) return 100;
  return 0;
}

/** A user's power level in a state. */
export function userPowerLevel(userId: string, state: StateLookup, version: RoomVersion): number {
  return powerLevelFor(userId, state('m.room.create', ''), state('m.room.power_levels', ''), version);
}

/** The level needed to send an event of this type: `events[type]`, else state_default or events_default. */
export function requiredPowerForEvent(type: string, isState: boolean, pl: PowerLevels): number {
  return pl.events.get(type) ?? (isState ? pl.stateDefault : pl.eventsDefault);
}

/** The level needed for a notification type (`room` defaults to 50). */
export function notificationPowerLevel(key: string, pl: PowerLevels): number | undefined {
  return pl.notifications.get(key) ?? (key === 'room' ? 50 : undefined);
}
