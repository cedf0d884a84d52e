/**
 * Graph reads and orderings for events received over federation: the auth
 * chain of a set of events (recursive over event_auth) and an order in which
 * every event comes after the events it cites (Kahn's algorithm, O(n + edges)).
 */
import { CHEAP_STEPS_PER_CHECKPOINT, authEventIds, prevEventIds, runInSlices, runToCompletion, type RoomEvent, type Steps } from '@lattice/core';
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
  return runToCompletion(citationOrderSteps(events));
}

/** citationOrder in slices that hand the event loop back (a send_join answer brings tens of thousands of events). */
export function citationOrderSliced(events: readonly RoomEvent[], sliceMs: number): Promise<RoomEvent[]> {
  return runInSlices(citationOrderSteps(events), sliceMs);
}

function* citationOrderSteps(events: readonly RoomEvent[]): Steps<RoomEvent[]> {
  // Integer indexes and flat arrays rather than maps of ids.
  const n = events.length;
  const index = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    index.set(events[i]!.event_id, i);
    if (i % CHEAP_STEPS_PER_CHECKPOINT === 0) yield;
  }
  const waitingOn = new Int32Array(n);
  const citers: number[][] = new Array<number[]>(n);
  for (let i = 0; i < n; i++) {
    const e = events[i]!;
    const cited = authEventIds(e).concat(prevEventIds(e));
    for (let k = 0; k < cited.length; k++) {
      const j = index.get(cited[k]!);
      // Unknown, self-citing, or cited twice (as auth and prev event): no extra wait.
      if (j === undefined || j === i || cited.indexOf(cited[k]!) !== k) continue;
      waitingOn[i]++;
      (citers[j] ??= []).push(i);
    }
    if (i % CHEAP_STEPS_PER_CHECKPOINT === 0) yield;
  }
  const ready: number[] = [];
  for (let i = 0; i < n; i++) if (waitingOn[i] === 0) ready.push(i);
  ready.sort((a, b) => events[a]!.depth - events[b]!.depth);
  const out: RoomEvent[] = [];
  const done = new Uint8Array(n);
  for (let r = 0; r < ready.length; r++) {
    const i = ready[r]!;
    out.push(events[i]!);
    done[i] = 1;
    for (const j of citers[i] ?? []) if (--waitingOn[j] === 0) ready.push(j);
    if (r % CHEAP_STEPS_PER_CHECKPOINT === 0) yield;
  }
  if (out.length < n) for (let i = 0; i < n; i++) if (done[i] === 0) out.push(events[i]!);
  return out;
}
