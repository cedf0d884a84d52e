/**
 * The slice of the replication hub (@lattice/replication) the rooms package
 * uses: a writer on the events stream that allocates positions inside our
 * transaction and publishes the rows after commit, and update subscriptions
 * for cache invalidation. Declared structurally so the hub binds to it.
 */
import type { EventStreamRow, StreamUpdate } from '@lattice/replication';
import type { Queryable } from '@lattice/storage';

export interface EventsStreamWriter {
  /** `count` ascending positions allocated inside `tx` (they commit or vanish with it). */
  allocate(tx: Queryable, count: number): Promise<number[]>;
  /** After commit: announces the rows; `positions[i]` is rows[i]'s position. */
  publish(positions: readonly number[], rows: readonly EventStreamRow[]): void;
  /** After ROLLBACK: the positions are gaps (or the stream stalls behind them). */
  aborted(positions: readonly number[]): void;
}

export interface EventsReplication {
  writer(stream: 'events'): EventsStreamWriter;
  /** Runs before the reader's position advances past the update; returns an unsubscribe function. */
  onUpdate(stream: 'events', handler: (update: StreamUpdate<EventStreamRow>) => void): () => void;
}
