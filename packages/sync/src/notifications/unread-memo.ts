/**
 * What a sync worker last counted for a user's room, so the next count reads
 * only the events after it (unread-counts.ts). A room's count is a sum over
 * its events: with the join and the user's receipts unchanged, the count up to
 * a later position is the memo's plus that of the events in between. The
 * statement checks the receipts itself (the memo keeps what they were); the
 * join is compared here.
 *
 * A count is only extended from a position at which every event was
 * committed with its push outcomes (a sync's persisted-up-to position), so no
 * outcome appears below it afterwards. Two things can still change what lies
 * below: a history purge deleting outcomes (forgetRoom, on the purge's
 * announcement) and an outcome written after a worker had already moved past
 * its event (a gap filled from the database while the writer was still
 * storing the event's outcomes). A memo is therefore trusted for MAX_AGE_MS
 * only, which bounds what such a miss can cost.
 */
import { Lru } from '@lattice/rooms';

/** Per thread ('main' for the main timeline): [notifications, highlights]. */
export type ThreadCounts = Map<string, [number, number]>;

export interface UnreadMemoEntry {
  joinedAt: number;
  /** The events stream position counted up to. */
  upTo: number;
  /** The user's read receipts in the room when counted, as the statement spells them. */
  receipts: string;
  threads: ThreadCounts;
  countedAt: number;
}

const DEFAULT_CAPACITY = 100_000;
const MAX_AGE_MS = 10 * 60_000;

export class UnreadMemo {
  private readonly entries: Lru<string, UnreadMemoEntry>;

  constructor(
    capacity = DEFAULT_CAPACITY,
    private readonly clock: () => number = Date.now,
  ) {
    this.entries = new Lru(capacity, 'unread_counts');
  }

  /** The memo a count of the room up to `upTo` may extend, if any. */
  usable(userId: string, roomId: string, joinedAt: number, upTo: number): UnreadMemoEntry | undefined {
    const entry = this.entries.get(key(userId, roomId));
    if (entry === undefined || entry.joinedAt !== joinedAt || entry.upTo > upTo || this.clock() - entry.countedAt > MAX_AGE_MS) return undefined;
    return entry;
  }

  /** (A slower count of an older position may replace a newer one: still right, the next delta is longer.) */
  remember(userId: string, roomId: string, entry: Omit<UnreadMemoEntry, 'countedAt'>): void {
    this.entries.set(key(userId, roomId), { ...entry, countedAt: this.clock() });
  }

  /** A purge deleted some of the room's outcomes: its counts are read afresh. */
  forgetRoom(roomId: string): void {
    const suffix = `\u0000${roomId}`;
    this.entries.deleteWhere((_entry, k) => k.endsWith(suffix));
  }
}

const key = (userId: string, roomId: string): string => `${userId}\u0000${roomId}`;
