import type { PresenceState } from './presence-state.js';

/**
 * How a worker reaches the presence writer that owns a user when it is not
 * that writer itself (the worker split: a /sync served by a sync worker,
 * which writes no presence). Each user's presence has one owner among the
 * presence stream's writers, so one process keeps that user's devices and
 * timers. Calls resolve once this worker has seen the change they caused.
 */
export interface PresenceWriterLink {
  /** This instance writes `userId`'s presence. */
  owns(userId: string): boolean;
  /** The owner's PresenceService.syncStarted; the returned function ends that sync on the owner. */
  syncStarted(userId: string, deviceId: string, setPresence: PresenceState | undefined): Promise<() => void>;
  /** The owner's PresenceService.set. */
  set(userId: string, state: PresenceState, statusMsg: string | null): Promise<void>;
  /** Optional: shutdown, ends what the link keeps open on the owner. */
  close?(): void;
}
