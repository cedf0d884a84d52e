/**
 * What the requester may see of a batch of events: history visibility, then the
 * requester's ignore list (spec "Ignoring Users": events from ignored users are
 * not served; their state events still are, as room state must stay coherent),
 * and messages past their room's retention lifetime (expired-events.ts).
 */
import { assessVisibility, type StoredEvent } from '@lattice/rooms';
import type { ClientApiContext } from '../../context.js';
import { ignoredUsers } from '../../accounts/ignored-users.js';
import { expiryCutoffs, isExpired } from './expired-events.js';

export type Verdict = Awaited<ReturnType<typeof assessVisibility>>[number];

/** `ignored`: the requester's ignore list when the caller already has it (a page scanned in rounds reads it once). */
export async function assessForRequester(
  ctx: ClientApiContext,
  userId: string,
  events: readonly StoredEvent[],
  ignored?: ReadonlySet<string>,
): Promise<Verdict[]> {
  const [verdicts, ignoredSet, cutoffs] = await Promise.all([
    assessVisibility(ctx.db, userId, events),
    ignored ?? ignoredUsers(ctx.db, userId),
    expiryCutoffs(ctx.config, ctx.rooms.store, events.map((e) => e.event.room_id)),
  ]);
  return hideExpired(events, hideIgnored(events, verdicts, ignoredSet), cutoffs);
}

function hideExpired(events: readonly StoredEvent[], verdicts: Verdict[], cutoffs: ReadonlyMap<string, number>): Verdict[] {
  if (cutoffs.size === 0) return verdicts;
  return verdicts.map((verdict, i) => (isExpired(events[i]!.event, cutoffs) ? { ...verdict, visible: false } : verdict));
}

function hideIgnored(events: readonly StoredEvent[], verdicts: Verdict[], ignored: ReadonlySet<string>): Verdict[] {
  if (ignored.size === 0) return verdicts;
  return verdicts.map((verdict, i) => {
    const { event } = events[i]!;
    return event.state_key === undefined && ignored.has(event.sender) ? { ...verdict, visible: false } : verdict;
  });
}
