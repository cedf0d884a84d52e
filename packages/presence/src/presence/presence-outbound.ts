/**
 * Where local presence changes go besides /sync: the federation sender turns
 * them into m.presence EDUs for the servers that share a room with the user
 * (issue 8, federation part). The presence writer calls it after each change
 * it writes; the sender owns batching, destinations and retries.
 */
import type { UserPresence } from './presence-state.js';

export interface PresenceOutbound {
  /** Local users' new presence, already committed. Must not throw: failures are the sender's to retry. */
  presenceChanged(states: readonly UserPresence[]): void;
}
