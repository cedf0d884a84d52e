/**
 * Bundled aggregations (client-server "Aggregations of child events"): the
 * unsigned["m.relations"] object of each event a read API returns.
 *
 *   m.replace    the most recent valid edit, as a full client event (not for
 *                redacted events, nor for events that are edits themselves);
 *   m.thread     { latest_event (with its own edits/references bundled), count,
 *                current_user_participated };
 *   m.reference  { chunk: [{ event_id }] }, oldest first.
 * m.annotation is not aggregated (spec). State events get no aggregations.
 *
 * Child events the viewer may not see (history visibility) are never shown:
 * latest_event is the newest reply the viewer may see (among the newest few;
 * none visible leaves m.thread out), and an invisible latest edit leaves
 * m.replace out.
 * Cost per call: 3 relation queries, 1 event load, 2 visibility queries, and
 * the same again once for the latest thread replies; batch a whole page.
 */
import type { Queryable } from '@lattice/storage';
import type { ClientEvent, RoomStoreApi, StoredEvent } from '../api.js';
import { toClientEvent } from '../client-event.js';
import { relationOf } from '../relations.js';
import { assessVisibility } from '../visibility/filter-events-for-user.js';
import { relationSummaries } from './relation-summaries.js';

export interface AggregationDeps {
  db: Queryable;
  store: Pick<RoomStoreApi, 'getEvents' | 'roomVersion'>;
}

export interface BundleOptions {
  viewer: { userId: string; deviceId?: string };
  /** For unsigned.age of the bundled events; default Date.now(). */
  now?: number;
  /** 'sync' leaves room_id out of the bundled events, like the events around them. */
  format?: 'client' | 'sync';
  /** m.ignored_user_list: their replies and references are not counted. */
  ignoredUsers?: Iterable<string>;
}

export interface ThreadAggregation {
  latest_event: ClientEvent;
  count: number;
  current_user_participated: boolean;
}

export interface BundledAggregations {
  'm.replace'?: ClientEvent;
  'm.thread'?: ThreadAggregation;
  'm.reference'?: { chunk: Array<{ event_id: string }> };
}

/** Event id → its aggregations; events with none are absent. Put each under unsigned["m.relations"]. */
export function bundleAggregations(
  deps: AggregationDeps,
  events: readonly StoredEvent[],
  opts: BundleOptions,
): Promise<Map<string, BundledAggregations>> {
  return bundle(deps, events, { ...opts, now: opts.now ?? Date.now(), ignored: [...(opts.ignoredUsers ?? [])] }, true);
}

type ResolvedOptions = BundleOptions & { now: number; ignored: string[] };

async function bundle(
  deps: AggregationDeps,
  events: readonly StoredEvent[],
  opts: ResolvedOptions,
  withThreads: boolean,
): Promise<Map<string, BundledAggregations>> {
  const out = new Map<string, BundledAggregations>();
  const parents = events.filter((s) => s.event.state_key === undefined);
  if (parents.length === 0) return out;
  const ids = parents.map((s) => s.event.event_id);
  const editable = parents
    .filter((s) => s.redactedBy === null && relationOf(s.event.content)?.relType !== 'm.replace')
    .map((s) => s.event.event_id);
  const summaries = await relationSummaries(
    deps.db,
    { threads: withThreads ? ids : [], edits: editable, references: ids },
    opts.viewer.userId,
    opts.ignored,
  );

  const childIds = [...summaries.edits.values(), ...[...summaries.threads.values()].flatMap((t) => t.latestEventIds)];
  const children = await visibleChildren(deps, childIds, opts.viewer.userId);
  const latestReply = new Map<string, VisibleChild>();
  for (const [parentId, thread] of summaries.threads) {
    const id = thread.latestEventIds.find((candidate) => children.has(candidate));
    if (id !== undefined) latestReply.set(parentId, children.get(id)!);
  }
  const latestReplies = [...latestReply.values()].map((c) => c.stored);
  const nested = latestReplies.length > 0 ? await bundle(deps, latestReplies, opts, false) : new Map<string, BundledAggregations>();
  const serialize = await serializer(deps, opts);

  for (const parent of parents) {
    const id = parent.event.event_id;
    const aggregations: BundledAggregations = {};
    const edit = children.get(summaries.edits.get(id) ?? '');
    if (edit) aggregations['m.replace'] = await serialize(edit.stored, edit.membership);
    const thread = summaries.threads.get(id);
    const latest = latestReply.get(id);
    if (thread && latest) {
      const latestEvent = await serialize(latest.stored, latest.membership);
      const latestAggregations = nested.get(latest.stored.event.event_id);
      if (latestAggregations) latestEvent.unsigned = { ...latestEvent.unsigned, 'm.relations': latestAggregations };
      aggregations['m.thread'] = {
        latest_event: latestEvent,
        count: thread.count,
        current_user_participated: thread.viewerReplied || parent.event.sender === opts.viewer.userId,
      };
    }
    const references = summaries.references.get(id);
    if (references) aggregations['m.reference'] = { chunk: references.map((eventId) => ({ event_id: eventId })) };
    if (Object.keys(aggregations).length > 0) out.set(id, aggregations);
  }
  return out;
}

interface VisibleChild {
  stored: StoredEvent;
  membership: string | undefined;
}

async function visibleChildren(deps: AggregationDeps, ids: readonly string[], viewer: string): Promise<Map<string, VisibleChild>> {
  const out = new Map<string, VisibleChild>();
  if (ids.length === 0) return out;
  const loaded = [...(await deps.store.getEvents(ids)).values()];
  const verdicts = await assessVisibility(deps.db, viewer, loaded);
  loaded.forEach((stored, i) => {
    const verdict = verdicts[i]!;
    if (verdict.visible) out.set(stored.event.event_id, { stored, membership: verdict.membership });
  });
  return out;
}

/** toClientEvent with the room version looked up once per room. */
async function serializer(deps: AggregationDeps, opts: ResolvedOptions) {
  const versions = new Map<string, Awaited<ReturnType<AggregationDeps['store']['roomVersion']>>>();
  return async (stored: StoredEvent, membership: string | undefined): Promise<ClientEvent> => {
    const roomId = stored.event.room_id;
    if (!versions.has(roomId)) versions.set(roomId, await deps.store.roomVersion(roomId));
    const roomVersion = versions.get(roomId);
    if (roomVersion === undefined) throw new Error(`unknown room version for ${roomId}`);
    return toClientEvent(stored, { roomVersion, now: opts.now, viewer: opts.viewer, membership, format: opts.format });
  };
}
