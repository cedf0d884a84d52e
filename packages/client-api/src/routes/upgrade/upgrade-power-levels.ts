/**
 * Power levels across an upgrade. The replacement room gets the old room's
 * levels, normalised to integers (v10+ refuses string levels), with the room
 * creators left out of `users` when the new version makes them infinitely
 * powerful (v12), and the upgrader listed at the top level when the old room
 * had privileged creators but the new one does not. Sending the copied state
 * may need more power than the upgrader keeps: the room then starts with the
 * upgrader raised to that level and ends with the real levels, as Synapse does.
 * The old room is restricted afterwards (spec step 6): events_default and
 * invite raised to the greater of 50 and users_default + 1.
 */
import type { PowerLevels, RoomVersion } from '@lattice/core';

export type PowerLevelsContent = Record<string, unknown>;

function fromMap(map: ReadonlyMap<string, number>): Record<string, number> {
  return Object.fromEntries(map);
}

/** The parsed levels as content (all values integers). */
export function powerLevelsContent(pl: PowerLevels): PowerLevelsContent {
  const content: PowerLevelsContent = {
    users: fromMap(pl.users),
    users_default: pl.usersDefault,
    events: fromMap(pl.events),
    events_default: pl.eventsDefault,
    state_default: pl.stateDefault,
    ban: pl.ban,
    kick: pl.kick,
    redact: pl.redact,
    invite: pl.invite,
  };
  if (pl.notifications.size > 0) content['notifications'] = fromMap(pl.notifications);
  return content;
}

export interface NewRoomLevels {
  /** Sent right after the upgrader's join (it lets them send the copied state). */
  initial: PowerLevelsContent;
  /** Sent after the copied state when it differs from `initial`. */
  final: PowerLevelsContent;
}

/** The highest level any action needs in these levels. */
function highestRequired(pl: PowerLevels): number {
  return Math.max(pl.ban, pl.kick, pl.redact, pl.invite, pl.eventsDefault, pl.stateDefault, ...pl.events.values(), ...pl.users.values());
}

export function newRoomLevels(old: PowerLevels, from: RoomVersion, to: RoomVersion, creators: readonly string[], upgrader: string): NewRoomLevels {
  const final = powerLevelsContent(old);
  const users = final['users'] as Record<string, number>;
  if (to.privilegedCreators) {
    for (const creator of creators) delete users[creator];
    return { initial: final, final };
  }
  // Leaving privileged creators behind: the upgrader keeps the power they had.
  if (from.privilegedCreators) users[upgrader] = Math.max(100, highestRequired(old));
  const needed = Math.max(highestRequired(old), users[upgrader] ?? old.usersDefault);
  if ((users[upgrader] ?? old.usersDefault) >= needed) return { initial: final, final };
  return { initial: { ...final, users: { ...users, [upgrader]: needed } }, final };
}

/**
 * The old room's levels content after the upgrade (everything else as it was),
 * or undefined when they already restrict enough.
 */
export function restrictedOldRoomLevels(old: PowerLevels, content: PowerLevelsContent): PowerLevelsContent | undefined {
  const level = Math.max(50, old.usersDefault + 1);
  if (old.eventsDefault >= level && old.invite >= level) return undefined;
  return { ...content, events_default: Math.max(old.eventsDefault, level), invite: Math.max(old.invite, level) };
}
