/**
 * The slice of the replication hub (@lattice/replication) the rooms package
 * uses: a writer on the events stream (our own statements take its positions
 * with nextval in the INSERT; it publishes the rows after commit), and update
 * subscriptions for cache invalidation. Declared structurally so the hub binds to it.
 */
import type { EventStreamRow, StreamUpdate } from '@lattice/replication';

export interface EventsStreamWriter {
  /**
   * Runs a statement that takes positions from the stream's sequence itself
   * (they commit or vanish with it); `positionsOf` names them. The stream's
   * safe position stays below them until each is reported.
   */
  allocateWithin<T>(run: () => Promise<T>, positionsOf: (result: T) => Iterable<number>): Promise<T>;
  /** After commit: settles the write's positions and announces the rows; `rowPositions[i]` is rows[i]'s own position. */
  publish(positions: readonly number[], rows: readonly EventStreamRow[], rowPositions?: readonly number[]): void;
  /** After ROLLBACK: the positions are gaps (or the stream stalls behind them). */
  aborted(positions: readonly number[]): void;
}

export interface EventsReplication {
  writer(stream: 'events'): EventsStreamWriter;
  /** Runs before the reader's position advances past the update; returns an unsubscribe function. */
  onUpdate(stream: 'events', handler: (update: StreamUpdate<EventStreamRow>) => void): () => void;
}
