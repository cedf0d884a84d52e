/**
 * Reads each user's write positions once per request: authentication, the
 * read-your-writes wait and an internal call to a writer all ask for them, and
 * each ask of the shared store is a Redis round trip. A snapshot taken when
 * the request started is what read-your-writes promises (the writes answered
 * before the request was sent); the request's own writes are merged into it.
 * Positions another process recorded for the request (noteRecorded) are not
 * written again.
 */
import { requestMemo, updateRequestMemo } from '@lattice/core';
import { raiseWritePositions, type UserWritePositions, type WritePositions } from './read-your-writes.js';
import type { StreamName } from './types.js';

export class RequestScopedUserWrites implements UserWritePositions {
  constructor(private readonly store: UserWritePositions) {}

  get(userId: string): Promise<WritePositions> {
    return requestMemo(memoKey(userId), () => this.store.get(userId));
  }

  async record(userId: string, positions: WritePositions): Promise<void> {
    if (!covers(this.recorded(userId), positions)) await this.store.record(userId, positions);
    this.remember(userId, positions);
  }

  noteRecorded(userId: string, positions: WritePositions): void {
    raiseWritePositions(this.recorded(userId), positions);
    this.remember(userId, positions);
  }

  /** What was recorded for the user in this request (empty outside a request: always write). */
  private recorded(userId: string): WritePositions {
    return requestMemo<WritePositions>(recordedKey(userId), () => ({}));
  }

  private remember(userId: string, positions: WritePositions): void {
    updateRequestMemo<Promise<WritePositions>>(memoKey(userId), async (current) => {
      const merged = { ...(await current) };
      raiseWritePositions(merged, positions);
      return merged;
    });
  }
}

/** Every position in `positions` is at or below the one in `recorded`. */
function covers(recorded: WritePositions, positions: WritePositions): boolean {
  for (const [stream, position] of Object.entries(positions) as [StreamName, number | undefined][]) {
    if (position !== undefined && position > (recorded[stream] ?? 0)) return false;
  }
  return true;
}

const memoKey = (userId: string): string => `user-writes:${userId}`;
const recordedKey = (userId: string): string => `user-writes-recorded:${userId}`;
