/**
 * Pagination tokens ↔ the RoomStore's positions. Tokens are RoomStreamToken
 * (`t<depth>-<stream>` in DAG order, `s<stream>` in stream order); a /sync
 * `next_batch` (SyncToken) is accepted wherever a token is, as the spec says,
 * and reads as its events position. A position names the gap AFTER the event
 * at (topological, stream): RoomStore.paginate's convention.
 *
 * Multi-writer stream tokens (`m…`) read as their minimum position: exact
 * per-writer bounds need the store to page per writer (not yet: one writer).
 */
import type { TopologicalPosition } from '@lattice/rooms';
import { RoomStreamToken, SyncToken } from '@lattice/replication';

export function parsePaginationToken(raw: string): TopologicalPosition {
  const token = raw.startsWith('s') && raw.includes('_') ? RoomStreamToken.stream(SyncToken.parse(raw).get('events')) : RoomStreamToken.parse(raw);
  return token.topological === undefined
    ? { stream: token.stream.min }
    : { topological: token.topological, stream: token.stream.min };
}

export function formatPosition(pos: TopologicalPosition): string {
  return (pos.topological === undefined ? RoomStreamToken.stream(pos.stream) : RoomStreamToken.topological(pos.topological, pos.stream)).toString();
}

export interface EventPlace {
  topologicalOrdering: number;
  streamOrdering: number;
}

/** The gap just before an event (where paging backwards past it continues). */
export function gapBefore(e: EventPlace): TopologicalPosition {
  return { topological: e.topologicalOrdering, stream: e.streamOrdering - 1 };
}

/** The gap just after an event. */
export function gapAfter(e: EventPlace): TopologicalPosition {
  return { topological: e.topologicalOrdering, stream: e.streamOrdering };
}

/** Orders two positions: DAG order when both have a depth, else stream order. */
export function comparePositions(a: TopologicalPosition, b: TopologicalPosition): number {
  if (a.topological !== undefined && b.topological !== undefined && a.topological !== b.topological) {
    return a.topological - b.topological;
  }
  return a.stream - b.stream;
}

export function earlierOf(a: TopologicalPosition, b: TopologicalPosition | undefined): TopologicalPosition {
  return b !== undefined && comparePositions(b, a) < 0 ? b : a;
}
