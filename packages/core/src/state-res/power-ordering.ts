/**
 * Spec (rooms/v2 "Reverse topological power ordering"): Kahn's algorithm over the
 * auth DAG, always taking the smallest ready event: higher sender power level first,
 * then earlier origin_server_ts, then smaller event id. A heap keeps it O(n log n).
 */
import { authEventIds, type RoomEvent } from '../events/pdu.js';
import { senderPowerLevel } from './event-facts.js';
import { MinHeap } from './heap.js';
import type { Steps } from './steps.js';
import type { ResolutionContext } from './types.js';

interface Vertex {
  readonly event: RoomEvent;
  readonly power: number;
  /** Auth events (inside the graph) not yet output. */
  pending: number;
  /** Vertices that cite this one as an auth event. */
  readonly dependents: Vertex[];
}

function precedes(a: Vertex, b: Vertex): boolean {
  if (a.power !== b.power) return a.power > b.power;
  const ta = a.event.origin_server_ts;
  const tb = b.event.origin_server_ts;
  if (ta !== tb) return ta < tb;
  return a.event.event_id < b.event.event_id;
}

/**
 * Orders `seeds` together with the events of their auth chains that lie in `within`,
 * earliest first. The graph is walked through `within` only, the way the reference
 * implementations do, so its edges are auth_events links between members of the set.
 */
export function* reverseTopologicalPowerOrder(
  seeds: Iterable<RoomEvent>,
  within: ReadonlySet<string>,
  ctx: ResolutionContext,
): Steps<RoomEvent[]> {
  const vertices = new Map<string, Vertex>();
  const edges: Array<[from: Vertex, authId: string]> = [];
  const visit = (event: RoomEvent): Vertex => {
    const vertex: Vertex = { event, power: senderPowerLevel(event, ctx), pending: 0, dependents: [] };
    vertices.set(event.event_id, vertex);
    return vertex;
  };

  const stack: Vertex[] = [];
  for (const seed of seeds) if (!vertices.has(seed.event_id)) stack.push(visit(seed));
  while (stack.length > 0) {
    const vertex = stack.pop()!;
    for (const authId of new Set(authEventIds(vertex.event))) {
      if (!within.has(authId)) continue;
      edges.push([vertex, authId]);
      if (vertices.has(authId)) continue;
      const authEvent = ctx.getEvent(authId);
      if (authEvent !== undefined) stack.push(visit(authEvent));
    }
    yield;
  }
  for (const [from, authId] of edges) {
    const to = vertices.get(authId);
    if (to === undefined) continue;
    from.pending++;
    to.dependents.push(from);
  }

  const ready = new MinHeap<Vertex>(precedes);
  for (const vertex of vertices.values()) if (vertex.pending === 0) ready.push(vertex);
  // Events on an auth cycle (impossible with hash ids) never become ready and are dropped.
  const ordered: RoomEvent[] = [];
  for (let vertex = ready.pop(); vertex !== undefined; vertex = ready.pop()) {
    ordered.push(vertex.event);
    for (const dependent of vertex.dependents) if (--dependent.pending === 0) ready.push(dependent);
    yield;
  }
  return ordered;
}
