/**
 * SQL conditions on an event's place in a room's DAG order for a
 * TopologicalPosition (the gap after (topological, stream); a bare stream
 * position compares stream order only), as RoomStore.paginate reads them.
 */
import type { TopologicalPosition } from '../api.js';

/** `alias`.(topological_ordering, stream_ordering) `op` pos; pushes its parameters onto `params`. */
export function positionBound(params: unknown[], alias: string, pos: TopologicalPosition, op: '<=' | '>' | '<' | '>='): string {
  if (pos.topological === undefined) {
    params.push(pos.stream);
    return `${alias}.stream_ordering ${op} $${params.length}`;
  }
  params.push(pos.topological, pos.stream);
  return `(${alias}.topological_ordering, ${alias}.stream_ordering) ${op} ($${params.length - 1}, $${params.length})`;
}

/** Timeline events: not outliers, rejected or soft-failed. */
export function liveEvent(alias: string): string {
  return `NOT ${alias}.outlier AND ${alias}.rejected_reason IS NULL AND NOT ${alias}.soft_failed`;
}

export interface OrderedEventRef {
  eventId: string;
  topological: number;
  stream: number;
}
