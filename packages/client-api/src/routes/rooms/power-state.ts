/** The slice of current state the power level rules read (create and power levels), as an auth StateLookup. */
import type { RoomEvent, StateLookup } from '@lattice/core';
import type { RoomServices } from '../../context.js';

export async function powerStateLookup(rooms: RoomServices, roomId: string): Promise<StateLookup> {
  const [create, powerLevels] = await Promise.all([
    rooms.store.currentStateEvent(roomId, 'm.room.create', ''),
    rooms.store.currentStateEvent(roomId, 'm.room.power_levels', ''),
  ]);
  return (type: string, stateKey: string): RoomEvent | undefined => {
    if (stateKey !== '') return undefined;
    if (type === 'm.room.create') return create?.event;
    return type === 'm.room.power_levels' ? powerLevels?.event : undefined;
  };
}
