/**
 * Walks of the event graph for /backfill, /get_missing_events and /event_auth:
 * backwards over prev_events (deepest first, one query per step of the walk)
 * and the auth chain (one recursive query).
 */
import { authChainIds, type RoomStore, type StoredEvent } from '@lattice/rooms';
import type { Queryable } from '@lattice/storage';

export interface WalkOptions {
  /** Events not to cross or return (get_missing_events' earliest_events). */
  stopAt?: ReadonlySet<string>;
  /** Events shallower than this are not returned or crossed. */
  minDepth?: number;
  /** Whether the start events themselves are returned (backfill: yes; get_missing_events: no). */
  includeStart: boolean;
}

/** Up to `limit` events of the room reached backwards from `start`, deepest first. */
export async function walkBackwards(
  db: Queryable,
  store: RoomStore,
  roomId: string,
  start: readonly string[],
  limit: number,
  opts: WalkOptions,
): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  const seen = new Set<string>(start);
  let frontier = opts.includeStart ? [...start] : await prevsOf(db, start);
  while (frontier.length > 0 && out.length < limit) {
    const events = await store.getEvents(frontier.filter((id) => !opts.stopAt?.has(id)));
    const layer = [...events.values()]
      .filter((e) => e.event.room_id === roomId && e.event.depth >= (opts.minDepth ?? 0))
      .sort((a, b) => b.event.depth - a.event.depth);
    for (const e of layer) {
      if (out.length >= limit) break;
      out.push(e);
    }
    const next = (await prevsOf(db, layer.map((e) => e.event.event_id))).filter((id) => !seen.has(id));
    for (const id of next) seen.add(id);
    frontier = next;
  }
  return out;
}

async function prevsOf(db: Queryable, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<{ prev_event_id: string }>('SELECT DISTINCT prev_event_id FROM event_edges WHERE event_id = ANY($1::text[])', [ids]);
  return rows.map((r) => r.prev_event_id);
}

/** The auth chain of the events, as stored events of the room. */
export async function authChainEvents(db: Queryable, store: RoomStore, roomId: string, eventIds: readonly string[]): Promise<StoredEvent[]> {
  const ids = await authChainIds(db, eventIds);
  const events = await store.getEvents(ids);
  return [...events.values()].filter((e) => e.event.room_id === roomId).sort((a, b) => a.event.depth - b.event.depth);
}
