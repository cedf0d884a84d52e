/** A public v11 room created straight through the persister (benchmarks set up rooms without HTTP). */
import { getRoomVersion } from '@lattice/core';
import type { EventDraft, EventPersisterApi } from '@lattice/rooms';

const v11 = getRoomVersion('11')!;

/** The creator joins with power 100; `then` follows in the same batch (e.g. more joins). */
export async function createPublicRoom(
  persister: Pick<EventPersisterApi, 'createRoom'>,
  creator: string,
  then: Array<Omit<EventDraft, 'room_id'>> = [],
): Promise<string> {
  const { roomId } = await persister.createRoom({
    version: v11,
    creator,
    createContent: {},
    then: [
      { type: 'm.room.member', state_key: creator, sender: creator, content: { membership: 'join' } },
      { type: 'm.room.power_levels', state_key: '', sender: creator, content: { users: { [creator]: 100 } } },
      { type: 'm.room.join_rules', state_key: '', sender: creator, content: { join_rule: 'public' } },
      ...then,
    ],
  });
  return roomId;
}
