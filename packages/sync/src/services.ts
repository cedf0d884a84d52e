/**
 * What the handlers of this package share, built once per ClientApiContext:
 * the stream writers they write through, read-your-writes helpers, and the
 * per-process caches of /sync (compiled filters, lazy-loaded members sent,
 * users' memberships and ignored users).
 */
import type { RoomScopedRow, StreamName, UserScopedRow } from '@lattice/replication';
import { afterStreamWrite, beforeRead, type ClientApiContext } from '@lattice/client-api';
import type { MembershipRecord } from '@lattice/rooms';
import type { RowWriter } from './stores/stream-write.js';
import { FilterCache } from './sync/filter-cache.js';
import { LazyMembersSent } from './sync/lazy-members-sent.js';
import { UserScopedCache } from './sync/user-scoped-cache.js';

/** How long a request waits for this worker to see a position (its own write, a user's earlier write). */
export const POSITION_WAIT_MS = 10_000;

export interface SyncServices {
  readonly accountDataWriter: RowWriter<UserScopedRow>;
  readonly receiptsWriter: RowWriter<RoomScopedRow>;
  readonly filters: FilterCache;
  readonly lazyMembers: LazyMembersSent;
  /** The user's current memberships (roomsForUser), good until a membership event of the user. */
  readonly memberships: UserScopedCache<MembershipRecord[]>;
  /** The user's m.ignored_user_list, good until the user's account data changes. */
  readonly ignoredUsers: UserScopedCache<Set<string>>;
  /** After a write: record it as the user's latest (read-your-writes) and wait until this worker has seen it. */
  afterWrite(userId: string, stream: StreamName, position: number): Promise<void>;
  /** Before a read: wait (bounded) until this worker has seen the user's latest writes. */
  beforeRead(userId: string): Promise<void>;
}

export function createSyncServices(ctx: ClientApiContext): SyncServices {
  const { hub } = ctx.rooms;
  return {
    // Looked up on use: a worker that only serves /sync never writes these streams.
    get accountDataWriter() {
      return hub.writer('account_data');
    },
    get receiptsWriter() {
      return hub.writer('receipts');
    },
    filters: new FilterCache(ctx.db),
    lazyMembers: new LazyMembersSent(),
    memberships: new UserScopedCache(hub.notifier, () => hub.currentToken(), 'events', 'sync_memberships'),
    ignoredUsers: new UserScopedCache(hub.notifier, () => hub.currentToken(), 'account_data', 'sync_ignored_users'),
    afterWrite: (userId, stream, position) => afterStreamWrite(ctx.rooms, userId, stream, position),
    beforeRead: (userId) => beforeRead(ctx.rooms, userId),
  };
}
