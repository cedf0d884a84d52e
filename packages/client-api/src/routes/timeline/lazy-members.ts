/**
 * Lazy-loading room members (client-server "Lazy-loading room members") for
 * /messages and /context: the m.room.member events of the chunk's senders, in
 * the state after `atEventId`. Redundant members are always included: these
 * endpoints keep no record of what each device was already sent, and the spec
 * allows the redundancy.
 */
import { lazyMembersToSend, stateKeyOf } from '@lattice/core';
import type { StoredEvent } from '@lattice/rooms';
import type { ClientApiContext } from '../../context.js';

export async function lazyMemberEvents(
  ctx: ClientApiContext,
  chunk: readonly StoredEvent[],
  atEventId: string,
  extraMembers: readonly string[] = [],
): Promise<StoredEvent[]> {
  const { store } = ctx.rooms;
  const senders = lazyMembersToSend(
    chunk.map((s) => s.event),
    { includeRedundantMembers: true, alreadySent: () => false, extraMembers },
  );
  if (senders.length === 0) return [];
  const state = await store.stateAfterEvent(atEventId);
  const ids = senders.flatMap((userId) => state.get(stateKeyOf('m.room.member', userId)) ?? []);
  const loaded = await store.getEvents(ids);
  return ids.flatMap((id) => loaded.get(id) ?? []);
}
