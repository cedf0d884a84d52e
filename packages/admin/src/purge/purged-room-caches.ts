/**
 * After a purge deleted a room's rows, every worker drops what it cached about
 * the room: the purge writes a `caches` stream row naming the room (when this
 * process writes that stream: admin jobs and retention run on its writers), and
 * every process listens for those rows (role-features.ts). Its own caches are
 * dropped at once.
 */
import type { ClientApiContext } from '@lattice/client-api';
import { invalidatingWrite, onCacheInvalidation, type CacheRow } from '@lattice/replication';
import type { EventPersister } from '@lattice/rooms';

export const PURGED_ROOM_CACHE = 'admin_purged_room';

const listening = new WeakSet<object>();

function forgetLocally(ctx: ClientApiContext, roomIds: readonly string[]): void {
  const persister = ctx.rooms.persister as Partial<EventPersister>;
  for (const roomId of roomIds) {
    ctx.rooms.store.forgetRoomCaches(roomId);
    persister.forgetRoom?.(roomId);
  }
}

/** Subscribes this process's caches to purge announcements (once per hub). */
export function listenForPurgedRooms(ctx: ClientApiContext): void {
  const { hub } = ctx.rooms;
  if (listening.has(hub)) return;
  listening.add(hub);
  onCacheInvalidation(hub, PURGED_ROOM_CACHE, (rooms) => {
    if (rooms !== undefined && rooms.length > 0) forgetLocally(ctx, rooms);
  });
}

export async function announcePurgedRoom(ctx: ClientApiContext, roomId: string): Promise<void> {
  forgetLocally(ctx, [roomId]);
  const { hub } = ctx.rooms;
  if (!hub.writes('caches')) {
    // Admin jobs and retention run on caches writers; anything else leaves other workers' caches stale.
    ctx.logger.warn({ roomId }, 'purged a room in a process that does not write the caches stream: other workers keep its caches');
    return;
  }
  const row: CacheRow = { cache: PURGED_ROOM_CACHE, keys: [roomId] };
  await invalidatingWrite(hub, ctx.db, row, async () => undefined); // the purge committed already: only the row is written
}
