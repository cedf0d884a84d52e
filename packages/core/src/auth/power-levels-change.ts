/**
 * The m.room.power_levels auth rule: the new content must be well formed for
 * the room version, may not list v12 creators, and every level it adds,
 * changes or removes must be within the sender's own power.
 * Sources: content/rooms/v1.md (rule 10), v6.md (notifications), v10.md
 * (integers only), v12.md (rule 10.4, creators).
 */
import type { RoomEvent } from '../events/pdu.js';
import type { RoomVersion } from '../room-versions.js';
import { POWER_LEVEL_KEYS, listedCreator, powerLevelsOf } from './power-levels.js';
import { ALLOW, reject, type AuthDecision } from './types.js';

/** Is a change to one level in a map (events, notifications or users) within the sender's power?
 *  `removeLimitInclusive`: users entries may only be changed or removed when strictly below the
 *  sender; events and notifications entries when at or below. */
function mapChangeAllowed(
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
  senderLevel: number,
  removeLimitInclusive: boolean,
  exempt: string | undefined,
): boolean {
  for (const [key, old] of before) {
    const next = after.get(key);
    if (next === old || key === exempt) continue;
    if (removeLimitInclusive ? old >= senderLevel : old > senderLevel) return false;
  }
  for (const [key, next] of after) {
    if (before.get(key) !== next && next > senderLevel) return false;
  }
  return true;
}

/**
 * @param event the new m.room.power_levels event
 * @param previous the power levels event in the state, if any
 * @param create the room's create event
 * @param senderLevel the sender's level in the state
 */
export function authorizePowerLevelsChange(
  event: RoomEvent,
  previous: RoomEvent | undefined,
  create: RoomEvent,
  senderLevel: number,
  version: RoomVersion,
): AuthDecision {
  const next = powerLevelsOf(event, version);
  if (next.error !== undefined) return reject(`m.room.power_levels: ${next.error}`);

  if (listedCreator(next, create, version) !== undefined) {
    return reject('m.room.power_levels: room creators cannot be listed in users');
  }

  if (previous === undefined) return ALLOW;
  const old = powerLevelsOf(previous, version);

  for (const key of POWER_LEVEL_KEYS) {
    const before = old.explicit[key];
    const after = next.explicit[key];
    if (before === after) continue;
    if (before !== undefined && before > senderLevel) return reject(`cannot change '${key}' from above own level`);
    if (after !== undefined && after > senderLevel) return reject(`cannot set '${key}' above own level`);
  }

  if (!mapChangeAllowed(old.events, next.events, senderLevel, false, undefined)) {
    return reject('cannot change an event level above own level');
  }
  if (
    version.limitNotificationsPowerLevels &&
    !mapChangeAllowed(old.notifications, next.notifications, senderLevel, false, undefined)
  ) {
    return reject('cannot change a notification level above own level');
  }
  if (!mapChangeAllowed(old.users, next.users, senderLevel, true, event.sender)) {
    return reject("cannot change a user's level at or above own level, or grant more than own level");
  }
  return ALLOW;
}
