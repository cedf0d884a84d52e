/** Loads events by id, keeps those the requester may see, in the given order, with their membership at each. */
import { assessForRequester } from './requester-visibility.js';
import type { ClientApiContext } from '../../context.js';
import type { VisibleEvent } from './serialize.js';

export async function loadVisibleEvents(ctx: ClientApiContext, userId: string, eventIds: readonly string[]): Promise<VisibleEvent[]> {
  const loaded = await ctx.rooms.store.getEvents(eventIds);
  const events = eventIds.flatMap((id) => loaded.get(id) ?? []);
  const verdicts = await assessForRequester(ctx, userId, events);
  return events.flatMap((stored, i) => (verdicts[i]!.visible ? [{ stored, membership: verdicts[i]!.membership }] : []));
}
