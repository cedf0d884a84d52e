/**
 * The presence state machine, as pure functions of (state, now) so that the
 * timers are testable without waiting. The timeouts are Synapse's, which
 * clients are tuned to:
 *  - a user whose last activity is older than IDLE_TIMEOUT_MS becomes unavailable;
 *  - a user with no sync in progress, and neither a sync nor activity for
 *    SYNC_ONLINE_TIMEOUT_MS, becomes offline;
 *  - currently_active holds for LAST_ACTIVE_GRANULARITY_MS after an activity.
 *
 * Updates are coalesced (shouldNotify): a client syncing in a loop bumps its
 * last active time in memory on every /sync, but only a change other users
 * must see is written and fanned out. That is what keeps presence cheap.
 */
import type { PresenceState, UserPresence } from './presence-state.js';

export const IDLE_TIMEOUT_MS = 5 * 60_000;
export const SYNC_ONLINE_TIMEOUT_MS = 30_000;
export const LAST_ACTIVE_GRANULARITY_MS = 60_000;

/** PUT /presence: the state and message the user chose (none: cleared, as is any when offline); online counts as activity. */
export function applySetPresence(prev: UserPresence, state: PresenceState, statusMsg: string | null, now: number): UserPresence {
  const next: UserPresence = { ...prev, state, statusMsg: state === 'offline' ? null : statusMsg };
  return state === 'online' ? markActive(next, now) : { ...next, currentlyActive: false };
}

/**
 * A /sync began with set_presence `state` (online when absent; offline never
 * gets here: such a sync does not affect presence). Online is activity;
 * unavailable marks the user idle.
 */
export function applySyncStart(prev: UserPresence, state: Exclude<PresenceState, 'offline'>, now: number): UserPresence {
  const synced = { ...prev, lastUserSyncTs: now };
  if (state === 'online') return markActive({ ...synced, state: 'online' }, now);
  return { ...synced, state: 'unavailable', currentlyActive: false };
}

/** A sync of the user ended. */
export function applySyncEnd(prev: UserPresence, now: number): UserPresence {
  return { ...prev, lastUserSyncTs: now };
}

/**
 * The user did something (sent an event): last active now, and an idle user
 * is online again (presence.md "Idle timeout"). An offline user stays offline:
 * only syncing or setting presence brings them online.
 */
export function applyActivity(prev: UserPresence, now: number): UserPresence {
  if (prev.state === 'offline') return { ...prev, lastActiveTs: now };
  return markActive({ ...prev, state: 'online' }, now);
}

function markActive(presence: UserPresence, now: number): UserPresence {
  return { ...presence, lastActiveTs: now, currentlyActive: true };
}

/** The state the timers lead to at `now` (the same object when none fired). `syncing`: a sync is in progress. */
export function applyTimeouts(prev: UserPresence, now: number, syncing: boolean): UserPresence {
  if (prev.state === 'offline') return prev;
  let next = prev;
  if (next.state === 'online') {
    if (now - next.lastActiveTs > IDLE_TIMEOUT_MS) next = { ...next, state: 'unavailable', currentlyActive: false };
    else if (next.currentlyActive && now - next.lastActiveTs > LAST_ACTIVE_GRANULARITY_MS) next = { ...next, currentlyActive: false };
  }
  if (!syncing && now - Math.max(next.lastUserSyncTs, next.lastActiveTs) > SYNC_ONLINE_TIMEOUT_MS) {
    next = { ...next, state: 'offline', statusMsg: null, currentlyActive: false };
  }
  return next;
}

/**
 * Whether a change must be written and sent to other users: state, message or
 * currently_active changed, or an online user's last active time moved by more
 * than the granularity while not marked currently active.
 */
export function shouldNotify(prev: UserPresence, next: UserPresence): boolean {
  if (prev.state !== next.state || prev.statusMsg !== next.statusMsg) return true;
  if (next.state !== 'online') return false;
  if (prev.currentlyActive !== next.currentlyActive) return true;
  return !next.currentlyActive && next.lastActiveTs - prev.lastActiveTs > LAST_ACTIVE_GRANULARITY_MS;
}
