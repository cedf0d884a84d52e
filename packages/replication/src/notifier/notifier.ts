import { SYNC_TOKEN_STREAMS, type SyncToken, type SyncTokenStream } from '../tokens/sync-token.js';
import type { StreamName } from '../types.js';
import { ChangeLog } from './change-log.js';
import { routeRow, type RowVisitor } from './row-routing.js';

export type WaitOutcome = 'changed' | 'timeout' | 'aborted';

export interface WaitOptions {
  userId: string;
  /** Rooms the user is in (joined, invited, …): their room-scoped rows wake it. */
  roomIds: ReadonlySet<string>;
  /** What the caller has already read: anything past it counts as a change. */
  since: SyncToken;
  timeoutMs: number;
  signal?: AbortSignal;
}

interface Waiter {
  userId: string;
  /** A copy: the caller's set may change while it waits. */
  roomIds: readonly string[];
  settle: (outcome: WaitOutcome) => void;
}

const TOKEN_STREAMS = new Set<StreamName>(SYNC_TOKEN_STREAMS);

/**
 * Long-poll waiters of /sync. wait() resolves as soon as a row that concerns
 * the user becomes visible (see StreamRows for who a row concerns), or at once
 * when one already has since `since`. Waiters are indexed by user and by room,
 * so a row wakes only its own waiters: cost O(affected), not O(waiting).
 *
 * notify() must be called with rows only once the reader's positions cover
 * them, in the same synchronous step (the ReplicationHub does): the check in
 * wait() and the registration are then atomic with respect to notify(), so no
 * wake-up is lost between a sync's reads and its wait.
 */
export class Notifier {
  private readonly byUser = new WaiterIndex();
  private readonly byRoom = new WaiterIndex();
  private readonly roomChanges = new ChangeLog();
  private readonly userChanges = new ChangeLog();
  /** Rooms' membership events (also in roomChanges): who joined or left, for what depends on co-members. */
  private readonly memberChanges = new ChangeLog();
  private count = 0;

  /** Waiters currently registered. */
  get waiting(): number {
    return this.count;
  }

  wait(options: WaitOptions): Promise<WaitOutcome> {
    const { userId, roomIds, since, timeoutMs, signal } = options;
    if (signal?.aborted) return Promise.resolve('aborted');
    if (this.hasChangesSince(userId, roomIds, since)) return Promise.resolve('changed');
    if (timeoutMs <= 0) return Promise.resolve('timeout');
    return new Promise<WaitOutcome>((resolve) => {
      const onAbort = (): void => waiter.settle('aborted');
      const timer = setTimeout(() => waiter.settle('timeout'), timeoutMs);
      const waiter: Waiter = {
        userId,
        roomIds: [...roomIds],
        settle: (outcome) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          this.unregister(waiter);
          resolve(outcome);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.register(waiter);
    });
  }

  /** Something concerning the user changed after `since` (per the rows seen so far). */
  hasChangesSince(userId: string, roomIds: ReadonlySet<string>, since: SyncToken): boolean {
    if (this.userChanges.changedSince(userId, since)) return true;
    for (const roomId of roomIds) if (this.roomChanges.changedSince(roomId, since)) return true;
    return false;
  }

  /** A row of `stream` named the user after `since`. */
  userChangedSince(userId: string, since: SyncToken, stream: SyncTokenStream): boolean {
    return this.userChanges.changedSince(userId, since, stream);
  }

  /** A row of `stream` named one of the rooms after `since`. */
  roomsChangedSince(roomIds: Iterable<string>, since: SyncToken, stream: SyncTokenStream): boolean {
    for (const roomId of roomIds) if (this.roomChanges.changedSince(roomId, since, stream)) return true;
    return false;
  }

  /** A membership event of one of the rooms became visible after `since`. */
  membersChangedSince(roomIds: Iterable<string>, since: SyncToken): boolean {
    for (const roomId of roomIds) if (this.memberChanges.changedSince(roomId, since)) return true;
    return false;
  }

  /** Rows of `stream` by `instance` that just became visible, at positions up to `position`. */
  notify(stream: StreamName, instance: string, position: number, rows: readonly unknown[]): void {
    if (rows.length === 0 || !TOKEN_STREAMS.has(stream)) return;
    const tokenStream = stream as SyncTokenStream;
    const visitor: RowVisitor = {
      room: (roomId) => {
        this.roomChanges.record(roomId, tokenStream, instance, position);
        this.wakeAll(this.byRoom.get(roomId));
      },
      user: (userId) => {
        this.userChanges.record(userId, tokenStream, instance, position);
        this.wakeAll(this.byUser.get(userId));
      },
      membership: (roomId) => this.memberChanges.record(roomId, tokenStream, instance, position),
    };
    for (const row of rows) routeRow(stream, row, visitor);
  }

  /** Resolves every waiter with 'aborted' (shutdown). */
  abortAll(): void {
    for (const waiters of [...this.byUser.values()]) this.settleAll(waiters, 'aborted');
  }

  private wakeAll(waiters: Set<Waiter> | undefined): void {
    if (waiters) this.settleAll(waiters, 'changed');
  }

  private settleAll(waiters: Set<Waiter>, outcome: WaitOutcome): void {
    // settle() unregisters, mutating the set: iterate a copy.
    for (const waiter of [...waiters]) waiter.settle(outcome);
  }

  private register(waiter: Waiter): void {
    this.byUser.add(waiter.userId, waiter);
    for (const roomId of waiter.roomIds) this.byRoom.add(roomId, waiter);
    this.count++;
  }

  private unregister(waiter: Waiter): void {
    if (!this.byUser.remove(waiter.userId, waiter)) return; // already settled
    for (const roomId of waiter.roomIds) this.byRoom.remove(roomId, waiter);
    this.count--;
  }
}

/**
 * Waiters by key (user or room). Emptied sets stay in the map and are swept in
 * bulk: deleting and re-adding the same key of a large Map on every wait is
 * pathologically slow in V8 (measured: 16 µs per pair at 10,000 keys, against
 * 0.4 µs when the entry is kept).
 */
class WaiterIndex {
  private readonly byKey = new Map<string, Set<Waiter>>();
  private emptied = 0;

  get(key: string): Set<Waiter> | undefined {
    return this.byKey.get(key);
  }

  values(): IterableIterator<Set<Waiter>> {
    return this.byKey.values();
  }

  add(key: string, waiter: Waiter): void {
    let set = this.byKey.get(key);
    if (!set) this.byKey.set(key, (set = new Set()));
    set.add(waiter);
  }

  /** False when the waiter was not there (already settled). */
  remove(key: string, waiter: Waiter): boolean {
    const set = this.byKey.get(key);
    if (!set?.delete(waiter)) return false;
    if (set.size === 0 && ++this.emptied > Math.max(1024, this.byKey.size / 2)) this.sweep();
    return true;
  }

  private sweep(): void {
    this.emptied = 0;
    for (const [key, set] of this.byKey) if (set.size === 0) this.byKey.delete(key);
  }
}
