/**
 * The state a user may read (get_state, room_state.yaml, members.yaml): the
 * access decision is the rooms package's roomReadAccess (members; departed
 * members; anyone in a world_readable room; 403 M_FORBIDDEN otherwise). A user
 * who left a room that is not world_readable reads the state as it was when
 * they left.
 */
import type { StateMap } from '@lattice/core';
import { roomReadAccess } from '@lattice/rooms';
import type { ClientApiContext } from '../../context.js';
import type { KnownRoom } from './room-lookup.js';

export async function readableState(ctx: ClientApiContext, room: KnownRoom, userId: string): Promise<StateMap> {
  const { store } = ctx.rooms;
  const access = await roomReadAccess(store, room.roomId, userId);
  if (access.until === undefined) return store.currentState(room.roomId);
  const departure = await store.membership(room.roomId, userId);
  return departure ? store.stateAfterEvent(departure.eventId) : store.currentState(room.roomId);
}
