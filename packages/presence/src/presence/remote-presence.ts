/**
 * Presence of other servers' users (m.presence EDUs, issue 8): kept in the
 * same table as local users' presence and written at a presence stream
 * position with one routing row per room the user is joined to, so /sync
 * shows it to local co-members exactly as it shows a local change. Only
 * changes a client must see are written (presence-rules.ts). The presence
 * writer's timers never touch these rows: the user's own server times them out.
 */
import type { ClientApiContext } from '@lattice/client-api';
import type { UserScopedRow } from '@lattice/replication';
import { shouldNotify } from './presence-rules.js';
import { offlinePresence, type UserPresence } from './presence-state.js';
import { joinedRoomsOf, loadPresence, writePresence } from './presence-store.js';

/**
 * Stores a remote user's presence (needs the presence stream's writer on this
 * instance). Returns the position written, or undefined when nothing a client
 * would see changed.
 */
export async function storeRemotePresence(ctx: ClientApiContext, next: UserPresence): Promise<number | undefined> {
  const prev = (await loadPresence(ctx.db, next.userId)) ?? offlinePresence(next.userId);
  if (!shouldNotify(prev, next)) return undefined;
  const rooms = await joinedRoomsOf(ctx.db, [next.userId]);
  return ctx.rooms.hub.writer('presence').write(ctx.db, async (tx, streamId) => {
    await writePresence(tx, next, streamId);
    const rows: UserScopedRow[] = [{ user_id: next.userId }];
    for (const { roomId } of rooms) rows.push({ user_id: next.userId, room_id: roomId });
    return rows;
  });
}
