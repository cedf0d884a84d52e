import type { SyncToken, SyncTokenStream } from '../tokens/sync-token.js';

interface Change {
  stream: SyncTokenStream;
  instance: string;
  position: number;
}

/**
 * The last position at which something changed for each room and each user,
 * per stream and writer: what a wait() checks its `since` against, so that a
 * row announced between a sync's reads and its wait() is never slept through.
 * One small array per room/user that ever changed since start-up.
 */
export class ChangeLog {
  private readonly changes = new Map<string, Change[]>();

  record(key: string, stream: SyncTokenStream, instance: string, position: number): void {
    let list = this.changes.get(key);
    if (!list) this.changes.set(key, (list = []));
    for (const change of list) {
      if (change.stream === stream && change.instance === instance) {
        if (position > change.position) change.position = position;
        return;
      }
    }
    list.push({ stream, instance, position });
  }

  /** Something changed for `key` (in `stream`, when given) that `since` does not cover. */
  changedSince(key: string, since: SyncToken, stream?: SyncTokenStream): boolean {
    const list = this.changes.get(key);
    if (!list) return false;
    for (const change of list) {
      if (stream !== undefined && change.stream !== stream) continue;
      if (!since.get(change.stream).covers(change.position, change.instance)) return true;
    }
    return false;
  }

  get size(): number {
    return this.changes.size;
  }
}
