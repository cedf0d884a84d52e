/**
 * Read-your-writes (ARCHITECTURE.md §4): a write answers only once this worker
 * has seen its position, and records it as the user's latest write so that any
 * replica serving the user's next request waits for it first.
 */
import { waitForUserWrites, type StreamName } from '@lattice/replication';
import type { RoomServices } from '../../context.js';

/** How long a request waits for replication before answering anyway. */
const CATCH_UP_TIMEOUT_MS = 10_000;

export async function afterWrite(rooms: RoomServices, userId: string, eventsPosition: number): Promise<void> {
  await afterStreamWrite(rooms, userId, 'events', eventsPosition);
}

/** afterWrite for a write to any stream (account data, receipts, device lists, …). */
export async function afterStreamWrite(rooms: RoomServices, userId: string, stream: StreamName, position: number): Promise<void> {
  await rooms.userWrites.record(userId, { [stream]: position });
  await rooms.hub.waitForPositions({ [stream]: position }, CATCH_UP_TIMEOUT_MS);
}

export async function beforeRead(rooms: RoomServices, userId: string): Promise<void> {
  await waitForUserWrites(rooms.hub, rooms.userWrites, userId, CATCH_UP_TIMEOUT_MS);
}
