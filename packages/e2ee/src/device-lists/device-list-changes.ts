/**
 * The device_lists stream: a row each time a user's devices, device keys or
 * cross-signing keys change. The stream rows fan out one per room the user is
 * joined to, so the notifier wakes every co-member's long-poll (row-routing.ts).
 * A row says what changed (which devices, the cross-signing keys) so that the
 * federation sender can tell the servers sharing a room with the user.
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

/** Rooms a user of another server is joined to, as far as this server knows. */
async function remoteUserRooms(db: Queryable, userId: string): Promise<string[]> {
  const { rows } = await db.query<{ room_id: string }>(
    "SELECT room_id FROM current_state_events WHERE type = 'm.room.member' AND state_key = $1 AND membership = 'join'",
    [userId],
  );
  return rows.map((r) => r.room_id);
}

export interface DeviceListChange {
  /** The only user told (a user-signing signature concerns its signer alone). */
  observer?: string;
  /** Devices whose keys, signatures or existence changed. */
  deviceIds?: readonly string[];
  /** The master or self-signing key changed (or got a signature). */
  crossSigning?: boolean;
  /** userId is a user of another server (its rooms come from room state). */
  remote?: boolean;
}

/**
 * Records at `position` (allocated in `tx`) that userId's keys changed and
 * returns the stream rows to publish. With an observer, only that user is told.
 */
export async function recordDeviceListChange(
  tx: Queryable,
  position: number,
  userId: string,
  change: DeviceListChange = {},
): Promise<UserScopedRow[]> {
  const { observer, deviceIds, crossSigning = false } = change;
  await tx.query(
    'INSERT INTO device_list_changes (stream_id, user_id, observer, device_ids, cross_signing) VALUES ($1, $2, $3, $4::text[], $5)',
    [position, userId, observer ?? null, deviceIds === undefined ? null : [...deviceIds], crossSigning],
  );
  if (observer !== undefined) return [{ user_id: observer }];
  const rooms = change.remote ? await remoteUserRooms(tx, userId) : await joinedRoomsOf(tx, userId);
  return [{ user_id: userId }, ...rooms.map((roomId) => ({ user_id: userId, room_id: roomId }))];
}

/** Announces a change on its own (device deleted, signatures uploaded); returns the position. */
export async function announceDeviceListChange(services: E2eeServices, userId: string, change: DeviceListChange = {}): Promise<number> {
  const position = await services.deviceListsWriter.write(services.ctx.db, (tx, pos) => recordDeviceListChange(tx, pos, userId, change));
  await services.afterWrite(change.observer ?? userId, 'device_lists', position);
  return position;
}
