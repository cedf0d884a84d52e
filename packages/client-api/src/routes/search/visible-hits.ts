/**
 * One page of search results the requester may see: full-text matches in scan
 * windows (search-query.ts), then the client's filter, history visibility and
 * the ignore list (requester-visibility.ts). Hidden matches are skipped and the
 * window topped up, a few windows at most per request, so a term that matches
 * only hidden history cannot make one request walk the whole index; the page
 * may then be short, with a `next` cursor to carry on from where the scan stopped.
 */
import { compileEventFilter, type RoomEvent } from '@lattice/core';
import type { StoredEvent } from '@lattice/rooms';
import type { ClientApiContext } from '../../context.js';
import { ignoredUsers } from '../../accounts/ignored-users.js';
import { assessForRequester } from '../timeline/requester-visibility.js';
import { scanSearch, type SearchHit, type SearchScan } from './search-query.js';
import type { RoomEventsCriteria } from './search-request.js';

const MAX_SCAN_WINDOWS = 5;

export interface VisibleHit extends SearchHit {
  stored: StoredEvent;
  membership: string | undefined;
}

export interface VisibleHits {
  hits: VisibleHit[];
  total: number;
  /** Where the next page starts (SearchCursor.after); absent when the scan reached the end. */
  next?: number;
}

export interface HitsQuery {
  userId: string;
  criteria: RoomEventsCriteria;
  roomIds: readonly string[];
  senders?: readonly string[];
  after?: number;
}

export async function visibleHits(ctx: ClientApiContext, q: HitsQuery): Promise<VisibleHits> {
  const { criteria } = q;
  if (q.roomIds.length === 0 || q.senders?.length === 0) return { hits: [], total: 0 };
  if (criteria.limit === 0) {
    const { total } = await scanSearch(ctx.db, { ...scanOf(q), limit: 0, count: true });
    return { hits: [], total };
  }
  const matcher = compileEventFilter(criteria.filter);
  const matches = (event: RoomEvent) => matcher(event);
  const ignored = await ignoredUsers(ctx.db, q.userId);
  // One row more than the page: when every match is visible (the usual case) one window answers,
  // and the extra row tells whether more follow.
  const window = criteria.limit + 1;
  const hits: VisibleHit[] = [];
  let after = q.after;
  let total = 0;
  for (let round = 0; round < MAX_SCAN_WINDOWS; round++) {
    const result = await scanSearch(ctx.db, { ...scanOf(q), after, limit: window, count: round === 0 });
    if (round === 0) total = result.total;
    const loaded = await ctx.rooms.store.getEvents(result.hits.map((h) => h.eventId));
    const candidates = result.hits.flatMap((hit) => {
      const stored = loaded.get(hit.eventId);
      return stored === undefined ? [] : [{ hit, stored }];
    });
    const verdicts = await assessForRequester(ctx, q.userId, candidates.map((c) => c.stored), ignored);
    const verdictOf = new Map(candidates.map((c, i) => [c.hit.eventId, { stored: c.stored, verdict: verdicts[i]! }]));
    for (const [i, hit] of result.hits.entries()) {
      after = criteria.orderBy === 'recent' ? hit.streamOrdering : (after ?? 0) + 1;
      const seen = verdictOf.get(hit.eventId);
      if (seen?.verdict.visible && matches(seen.stored.event)) {
        hits.push({ ...hit, stored: seen.stored, membership: seen.verdict.membership });
      }
      if (hits.length >= criteria.limit) {
        const more = i < result.hits.length - 1 || result.hits.length === window;
        return { hits, total, next: more ? after : undefined };
      }
    }
    if (result.hits.length < window) return { hits, total };
  }
  return { hits, total, next: after };
}

function scanOf(q: HitsQuery): Omit<SearchScan, 'limit' | 'count'> {
  return {
    term: q.criteria.searchTerm,
    roomIds: q.roomIds,
    keys: q.criteria.keys,
    senders: q.senders,
    notSenders: q.criteria.filter?.not_senders,
    order: q.criteria.orderBy,
    after: q.after,
  };
}
