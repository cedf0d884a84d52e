/**
 * Graph reads and orderings for events received over federation: the auth
 * chain of a set of events (recursive over event_auth) and an order in which
 * every event comes after the events it cites (Kahn's algorithm, O(n + edges)).
 */
import { authEventIds, prevEventIds, type RoomEvent } from '@lattice/core';
import type { Queryable } from '@lattice/storage';

/** Ids of every stored event in the auth chains of `eventIds` (not including them). */
export async function authChainIds(db: Queryable, eventIds: readonly string[]): Promise<string[]> {
  if (eventIds.length === 0) return [];
  const { rows } = await db.query<{ id: string }>(
    `WITH RECURSIVE chain (id) AS (
       SELECT auth_id FROM event_auth WHERE event_id = ANY($1::text[])
       UNION
       SELECT a.auth_id FROM event_auth a JOIN chain c ON a.event_id = c.id
     )
     SELECT id FROM chain`,
    [eventIds],
  );
  return rows.map((r) => r.id);
}

/**
 * The events ordered so that each follows those of the list it cites (as auth
 * event or prev event); ties keep depth order. Cycles (only a malicious server
 * makes them) are broken by appending what is left, where the auth checks fail it.
 */
export function citationOrder(events: readonly RoomEvent[]): RoomEvent[] {
  const byId = new Map(events.map((e) => [e.event_id, e]));
  const waitingOn = new Map<string, number>();
  const citedBy = new Map<string, string[]>();
  for (const e of events) {
    let n = 0;
    for (const id of new Set([...authEventIds(e), ...prevEventIds(e)])) {
      if (!byId.has(id) || id === e.event_id) continue;
      n++;
      const list = citedBy.get(id);
      if (list) list.push(e.event_id);
      else citedBy.set(id, [e.event_id]);
    }
    waitingOn.set(e.event_id, n);
  }
  const ready = [...events].filter((e) => waitingOn.get(e.event_id) === 0).sort((a, b) => a.depth - b.depth);
  const out: RoomEvent[] = [];
  const done = new Set<string>();
  for (let i = 0; i < ready.length; i++) {
    const e = ready[i]!;
    out.push(e);
    done.add(e.event_id);
    for (const id of citedBy.get(e.event_id) ?? []) {
      const left = waitingOn.get(id)! - 1;
      waitingOn.set(id, left);
      if (left === 0) ready.push(byId.get(id)!);
    }
  }
  if (out.length < events.length) for (const e of events) if (!done.has(e.event_id)) out.push(e);
  return out;
}
