/**
 * Forgets cached device lists that no update will keep current any more:
 * when a membership leaves, the remote users involved (the one who left, or
 * the remote members of a room a local user left) who no longer share any
 * room with a local user lose their cached list, so a later query, even
 * after they share a room again, fetches it fresh.
 */
import { serverNameOf, type Logger } from '@lattice/core';
import type { ReplicationHub } from '@lattice/replication';
import type { Queryable } from '@lattice/storage';
import { dropLists } from './remote-device-cache.js';
import { trackedAmong } from './shared-rooms.js';

/** Cached remote users among the left members, and the cached remote members of the rooms local users left. */
async function cachedCandidates(db: Queryable, serverName: string, left: ReadonlyArray<{ roomId: string; userId: string }>): Promise<string[]> {
  const remoteUsers = left.filter((l) => serverNameOf(l.userId) !== serverName).map((l) => l.userId);
  const roomsLeftLocally = left.filter((l) => serverNameOf(l.userId) === serverName).map((l) => l.roomId);
  const { rows } = await db.query<{ user_id: string }>(
    `SELECT user_id FROM remote_device_lists WHERE user_id = ANY($1::text[])
     UNION
     SELECT l.user_id FROM remote_device_lists l
     JOIN current_state_events c ON c.state_key = l.user_id AND c.type = 'm.room.member' AND c.membership = 'join'
     WHERE c.room_id = ANY($2::text[])`,
    [remoteUsers, roomsLeftLocally],
  );
  return rows.map((r) => r.user_id);
}

export function forgetUntrackedLists(db: Queryable, hub: ReplicationHub, serverName: string, logger: Logger): () => void {
  async function forget(left: Array<{ roomId: string; userId: string }>): Promise<void> {
    const cached = await cachedCandidates(db, serverName, left);
    if (cached.length === 0) return;
    const tracked = await trackedAmong(db, cached);
    await dropLists(db, cached.filter((u) => !tracked.has(u)));
  }
  return hub.onUpdate('events', (update) => {
    const left = update.rows
      .filter((r) => r.type === 'm.room.member' && r.state_key !== null && r.membership !== 'join' && !r.hidden)
      .map((r) => ({ roomId: r.room_id, userId: r.state_key! }));
    // On the next turn, as the state the rows brought is current by then.
    if (left.length > 0) setImmediate(() => void forget(left).catch((err: unknown) => logger.warn({ err }, 'forgetting device lists failed')));
  });
}
