/**
 * Reads each user's write positions once per request: authentication, the
 * read-your-writes wait and an internal call to a writer all ask for them, and
 * each ask of the shared store is a Redis round trip. A snapshot taken when
 * the request started is what read-your-writes promises (the writes answered
 * before the request was sent); the request's own writes are merged into it.
 */
import { requestMemo, updateRequestMemo } from '@lattice/core';
import { raiseWritePositions, type UserWritePositions, type WritePositions } from './read-your-writes.js';

export class RequestScopedUserWrites implements UserWritePositions {
  constructor(private readonly store: UserWritePositions) {}

  get(userId: string): Promise<WritePositions> {
    return requestMemo(memoKey(userId), () => this.store.get(userId));
  }

  async record(userId: string, positions: WritePositions): Promise<void> {
    await this.store.record(userId, positions);
    updateRequestMemo<Promise<WritePositions>>(memoKey(userId), async (current) => {
      const merged = { ...(await current) };
      raiseWritePositions(merged, positions);
      return merged;
    });
  }
}

const memoKey = (userId: string): string => `user-writes:${userId}`;
