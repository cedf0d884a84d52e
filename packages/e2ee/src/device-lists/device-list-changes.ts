/**
 * The device_lists stream: a row each time a user's devices, device keys or
 * cross-signing keys change. The stream rows fan out one per room the user is
 * joined to, so the notifier wakes every co-member's long-poll (row-routing.ts).
 */
import type { UserScopedRow } from '@lattice/replication';
import type { Queryable } from '@lattice/storage';
import type { E2eeServices } from '../services.js';

/** Rooms a local user is joined to now. */
export async function joinedRoomsOf(db: Queryable, userId: string): Promise<string[]> {
  const { rows } = await db.query<{ room_id: string }>(
    "SELECT room_id FROM local_current_membership WHERE user_id = $1 AND membership = 'join'",
    [userId],
  );
  return rows.map((r) => r.room_id);
}

/**
 * Records at `position` (allocated in `tx`) that userId's keys changed and
 * returns the stream rows to publish. With an observer, only that user is told.
 */
export async function recordDeviceListChange(
  tx: Queryable,
  position: number,
  userId: string,
  observer?: string,
): Promise<UserScopedRow[]> {
  await tx.query('INSERT INTO device_list_changes (stream_id, user_id, observer) VALUES ($1, $2, $3)', [
    position,
    userId,
    observer ?? null,
  ]);
  if (observer !== undefined) return [{ user_id: observer }];
  const rooms = await joinedRoomsOf(tx, userId);
  return [{ user_id: userId }, ...rooms.map((roomId) => ({ user_id: userId, room_id: roomId }))];
}

/** Announces a change on its own (device deleted, signatures uploaded); returns the position. */
export async function announceDeviceListChange(services: E2eeServices, userId: string, observer?: string): Promise<number> {
  const position = await services.deviceListsWriter.write(services.ctx.db, (tx, pos) =>
    recordDeviceListChange(tx, pos, userId, observer),
  );
  await services.afterWrite(observer ?? userId, 'device_lists', position);
  return position;
}
