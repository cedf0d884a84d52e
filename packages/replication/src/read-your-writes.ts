import type { ReplicationHub } from './hub/replication-hub.js';
import type { StreamName } from './types.js';

export type WritePositions = Partial<Record<StreamName, number>>;

/**
 * Each user's latest write positions (ARCHITECTURE.md §4, read-your-writes
 * across replicas): the worker that handled a write records them; any replica
 * serving a later request of the user waits until it has seen them. Small on
 * purpose: a Redis hash per user (HSET with a max-merge script, HGETALL) fits it.
 */
export interface UserWritePositions {
  /** Merges: a stream's recorded position only moves forward. */
  record(userId: string, positions: WritePositions): Promise<void>;
  get(userId: string): Promise<WritePositions>;
  /**
   * Optional: another process already recorded these positions of the user
   * for the current request (an event persister does for the sends it is
   * given), so record() need not write them again.
   */
  noteRecorded?(userId: string, positions: WritePositions): void;
}

/** Raises each stream's position in `into` to the one in `positions` where that is later. */
export function raiseWritePositions(into: WritePositions, positions: WritePositions): void {
  for (const [stream, position] of Object.entries(positions) as [StreamName, number | undefined][]) {
    if (position !== undefined && position > (into[stream] ?? 0)) into[stream] = position;
  }
}

/** For the single process (and tests): one map in memory. */
export class InProcessUserWritePositions implements UserWritePositions {
  private readonly byUser = new Map<string, WritePositions>();

  async record(userId: string, positions: WritePositions): Promise<void> {
    let latest = this.byUser.get(userId);
    if (!latest) this.byUser.set(userId, (latest = {}));
    raiseWritePositions(latest, positions);
  }

  async get(userId: string): Promise<WritePositions> {
    return { ...this.byUser.get(userId) };
  }
}

/**
 * Call before serving a read: waits (bounded) until this worker has seen the
 * user's latest writes. True when caught up; false on timeout (serve anyway or
 * fail, the caller decides: the wait never hangs).
 */
export async function waitForUserWrites(
  hub: ReplicationHub,
  writes: UserWritePositions,
  userId: string,
  timeoutMs: number,
): Promise<boolean> {
  const positions = await writes.get(userId);
  const patience = Math.min(CATCH_UP_AFTER_MS, timeoutMs);
  if (await hub.waitForPositions(positions, patience)) return true;
  // The announcements may be lost (Redis restarted, the subscription reconnecting): read what was missed from PostgreSQL.
  await hub.catchUp();
  return hub.waitForPositions(positions, timeoutMs - patience);
}

/** How long a read waits for announcements of the user's writes before reading the missed rows from the database. */
const CATCH_UP_AFTER_MS = 250;
