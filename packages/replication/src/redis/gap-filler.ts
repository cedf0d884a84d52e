import type { Logger } from '@lattice/core';
import { streamWriterPositions, type Queryable } from '@lattice/storage';
import type { StreamPositions } from '../reader/stream-positions.js';
import type { PositionedRow, StreamName, StreamRowSource, StreamUpdate } from '../types.js';

export interface GapFillerOptions {
  db: Queryable;
  positions: StreamPositions;
  /** Streams whose missed rows can be read back; a gap in another stream only moves its position (as before). */
  rowSources: Partial<Record<StreamName, StreamRowSource>>;
  /** Applies one update (the hub's receive step: invalidate, advance, notify). */
  apply: (update: StreamUpdate) => void;
  logger: Logger;
}

interface Queued {
  update: StreamUpdate;
  /** Fill before applying, whatever its seq says (a catch-up target read from stream_positions). */
  gap: boolean;
}

interface WriterState {
  lastSeq: number | undefined;
  /** Set while rows are being read back: later updates of the writer wait here, in order. */
  queue: Queued[] | undefined;
}

const RETRY_MS = 1000;
/** "Everything committed so far": a missed update's rows may lie ahead of the writer's position. */
const EVERYTHING = Number.MAX_SAFE_INTEGER;

/**
 * Recovers rows whose announcement a reader missed (ARCHITECTURE.md §4: Redis
 * delivery is a hint). Updates without a `seq` (reliable transports) pass
 * straight through, synchronously. An update whose seq is not the next one of
 * its writer, or a catch-up after the transport reconnected, makes the reader
 * read the writer's rows after its last seen position from PostgreSQL and
 * apply them (rows still ahead of the writer's position are held by the hub
 * as usual) BEFORE the update itself; the writer's later updates queue behind.
 *
 * Delivery of rows is at-least-once after a gap (a row may come both from the
 * database and from an update): update handlers are cache invalidations and
 * wake-ups, which are idempotent.
 */
export class GapFiller {
  private readonly writers = new Map<string, WriterState>();
  private closed = false;

  constructor(private readonly options: GapFillerOptions) {}

  receive(update: StreamUpdate): void {
    if (update.recovered) {
      // Rows up to its position may never have been announced: always read them back.
      const state = this.state(update.stream, update.instance);
      if (state.queue) state.queue.push({ update, gap: true });
      else this.process(state, update, true);
      return;
    }
    if (update.seq === undefined) {
      this.options.apply(update);
      return;
    }
    const state = this.state(update.stream, update.instance);
    if (state.queue) state.queue.push({ update, gap: false });
    else this.process(state, update, false);
  }

  /**
   * After the transport (re)connected: every known writer whose stored
   * position (stream_positions) is ahead of what this reader has seen is
   * filled up to it. Writers this reader does not track are left alone.
   */
  async catchUp(streams: readonly StreamName[]): Promise<void> {
    const { db, positions } = this.options;
    for (const stream of streams) {
      if (this.closed) return;
      const stored = await streamWriterPositions(db, stream);
      for (const [instance, position] of stored) {
        if (!positions.writers(stream).has(instance) || position <= positions.writerPosition(stream, instance)) continue;
        const update: StreamUpdate = { stream, instance, position, rows: [] };
        const state = this.state(stream, instance);
        if (state.queue) state.queue.push({ update, gap: true });
        else this.process(state, update, true);
      }
    }
  }

  /** Stops reading back (pending fills apply what they have and stop retrying). */
  close(): void {
    this.closed = true;
  }

  private state(stream: StreamName, instance: string): WriterState {
    const key = `${stream}\u0000${instance}`;
    let state = this.writers.get(key);
    if (!state) this.writers.set(key, (state = { lastSeq: undefined, queue: undefined }));
    return state;
  }

  private process(state: WriterState, update: StreamUpdate, gap: boolean): void {
    // Several readers may recover the same writer: only one that moves it is worth a read.
    if (update.recovered && update.position <= this.options.positions.writerPosition(update.stream, update.instance)) return;
    if (update.seq !== undefined) {
      const expected = state.lastSeq === undefined ? 1 : state.lastSeq + 1;
      // Also a gap: a seq from before (the writer restarted) or a first one above 1 (we started late).
      if (update.seq !== expected) gap = true;
      state.lastSeq = update.seq;
    }
    if (gap && this.fillable(update)) {
      state.queue = [];
      void this.fill(state, update);
    } else {
      this.options.apply(update);
    }
  }

  /** A gap is filled for streams with a row source, from a writer this reader already follows. */
  private fillable(update: StreamUpdate): boolean {
    const { positions, rowSources } = this.options;
    return (
      !this.closed &&
      rowSources[update.stream] !== undefined &&
      positions.writers(update.stream).has(update.instance) &&
      positions.writerPosition(update.stream, update.instance) > 0
    );
  }

  private async fill(state: WriterState, trigger: StreamUpdate): Promise<void> {
    const { stream, instance } = trigger;
    const from = this.options.positions.writerPosition(stream, instance);
    const rows = await this.readRows(stream, instance, from);
    this.applyRows(trigger, rows);
    this.options.apply(trigger);
    const queued = state.queue ?? [];
    state.queue = undefined;
    for (let i = 0; i < queued.length; i++) {
      if (state.queue) {
        // Another gap started a fill: the rest waits behind it, in order.
        (state.queue as Queued[]).push(...queued.slice(i));
        return;
      }
      this.process(state, queued[i]!.update, queued[i]!.gap);
    }
  }

  private async readRows(stream: StreamName, instance: string, from: number): Promise<PositionedRow[]> {
    const source = this.options.rowSources[stream]!;
    for (;;) {
      try {
        return await source.rowsBetween(stream, instance, from, EVERYTHING);
      } catch (err) {
        // The reader cannot serve this writer's rows without them: wait for the database.
        this.options.logger.warn({ err, stream, instance, from }, 'reading missed replication rows failed');
        if (this.closed) return [];
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS).unref());
      }
    }
  }

  /**
   * Rows up to the trigger's position are applied with it (each at its own
   * position); each later one as a batch ahead of it (rowsPosition), which
   * the hub holds until covered.
   */
  private applyRows(trigger: StreamUpdate, rows: readonly PositionedRow[]): void {
    const { stream, instance, position } = trigger;
    const covered = rows.filter((r) => r.position <= position);
    if (covered.length > 0) {
      this.options.apply({ stream, instance, position, rows: covered.map((r) => r.row), rowPositions: covered.map((r) => r.position) });
    }
    for (const { position: rowsPosition, row } of rows) {
      if (rowsPosition > position) this.options.apply({ stream, instance, position, rows: [row], rowsPosition });
    }
  }
}
