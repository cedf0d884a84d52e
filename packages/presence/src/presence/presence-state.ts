/**
 * A user's presence as the server keeps it, and how it is shown to clients
 * (presence.yaml, m.presence). `busy` is unstable (MSC3026) and not offered.
 */

export type PresenceState = 'online' | 'unavailable' | 'offline';

export const PRESENCE_STATES: ReadonlySet<string> = new Set<PresenceState>(['online', 'unavailable', 'offline']);

export function isPresenceState(value: unknown): value is PresenceState {
  return typeof value === 'string' && PRESENCE_STATES.has(value);
}

export interface UserPresence {
  userId: string;
  state: PresenceState;
  statusMsg: string | null;
  /** Last pro-active event (a sync that marks online, setting online); 0: never. */
  lastActiveTs: number;
  /** When the user's last sync ended (or began); 0: never. */
  lastUserSyncTs: number;
  /** Only meaningful when online: clients consider the user active, whatever last_active_ago says. */
  currentlyActive: boolean;
}

/** What the server assumes of a user it has no presence for. */
export function offlinePresence(userId: string): UserPresence {
  return { userId, state: 'offline', statusMsg: null, lastActiveTs: 0, lastUserSyncTs: 0, currentlyActive: false };
}

/**
 * The content of an m.presence event and of GET /presence/{userId}/status:
 * last_active_ago is relative to `now`, so it is computed when the answer is built.
 */
export function presenceContent(presence: UserPresence, now: number): Record<string, unknown> {
  const content: Record<string, unknown> = { presence: presence.state };
  if (presence.lastActiveTs > 0) content.last_active_ago = Math.max(0, now - presence.lastActiveTs);
  if (presence.statusMsg !== null) content.status_msg = presence.statusMsg;
  if (presence.state === 'online') content.currently_active = presence.currentlyActive;
  return content;
}

export function presenceEvent(presence: UserPresence, now: number): { type: 'm.presence'; sender: string; content: Record<string, unknown> } {
  return { type: 'm.presence', sender: presence.userId, content: presenceContent(presence, now) };
}
