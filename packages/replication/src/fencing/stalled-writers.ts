import type { Logger } from '@lattice/core';
import { advanceWriterPosition, probeWriterActivity, type Queryable } from '@lattice/storage';
import type { StreamPositions } from '../reader/stream-positions.js';
import type { DurableStreamName, StreamName, StreamUpdate } from '../types.js';

export interface StalledWritersOptions {
  db: Queryable;
  positions: StreamPositions;
  /** This process's instance: it never probes itself (its own writer knows its positions). */
  instanceName: string;
  /** Puts a recovered update on the transport (this process and every other reader get it). */
  publish: (update: StreamUpdate) => void;
  logger: Logger;
  /**
   * How long a writer may hold a stream's safe position back without being
   * heard before it is probed. A live idle writer follows the others within
   * one announcement (StreamWriter.observe), so this only has to exceed the
   * transport's latency. Default 500 ms.
   */
  staleAfterMs?: number;
}

const DEFAULT_STALE_AFTER_MS = 500;
/** Between probes of a writer found busy or unreachable. */
const RETRY_MS = 250;

interface Watched {
  /** When the writer's position last moved (its own announcement or a recovery). */
  heardAt: number;
  /** Its last probe found no connection of it at all: probe at once the next time it lags. */
  gone: boolean;
  probing: boolean;
  /** It lagged again while a probe ran. */
  again: boolean;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Keeps a writer that crashed from holding a multi-writer
 * stream's safe position back (ARCHITECTURE.md §4). When a writer lags behind
 * another writer of its stream and has not been heard for staleAfterMs (at
 * once when it was last found gone), this reader asks PostgreSQL
 * (probeWriterActivity) whether the writer still has connections, and a
 * transaction that may commit a position at or below the stream's current
 * high-water mark P. If it has neither, P is a true persisted-up-to position for that writer: it is stored in
 * stream_positions and published as a `recovered` update, which every reader
 * applies after reading the writer's committed-but-unannounced rows back
 * from the database (GapFiller). A writer with an open transaction is left
 * alone: its position may only move once that transaction ends, so no reader
 * ever skips a position that commits later.
 */
export class StalledWriters {
  private readonly watched = new Map<string, Watched>();
  private readonly staleAfterMs: number;
  private closed = false;

  constructor(private readonly options: StalledWritersOptions) {
    this.staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
  }

  /** A writer's position moved (after the hub applied an update). */
  heard(update: StreamUpdate): void {
    const state = this.state(update.stream, update.instance);
    const now = Date.now();
    state.heardAt = now;
    // Its own announcement: it is back (a recovery says nothing about liveness).
    if (!update.recovered) state.gone = false;
    if (update.ownedFrom === undefined) return;
    // Writers moved across its owned run moved too, without a word of their own: not silent.
    for (const [instance, position] of this.options.positions.writers(update.stream)) {
      if (instance === update.instance || position !== update.position) continue;
      const moved = this.watched.get(watchKey(update.stream, instance));
      if (moved) moved.heardAt = now;
    }
  }

  /** Looks for writers of `stream` behind another of its writers and probes them when due. */
  check(stream: StreamName): void {
    if (this.closed || stream === 'typing') return;
    for (const instance of this.options.positions.writers(stream).keys()) {
      if (instance !== this.options.instanceName && this.isLagging(stream, instance)) this.lagging(stream as DurableStreamName, instance);
    }
  }

  close(): void {
    this.closed = true;
    for (const state of this.watched.values()) clearTimeout(state.timer);
  }

  private lagging(stream: DurableStreamName, instance: string): void {
    const state = this.state(stream, instance);
    if (state.probing) {
      state.again = true;
      return;
    }
    if (state.timer) return;
    const due = state.gone ? 0 : Math.max(0, state.heardAt + this.staleAfterMs - Date.now());
    state.timer = setTimeout(() => {
      state.timer = undefined;
      if (this.closed || !this.isLagging(stream, instance)) return;
      // A busy writer lags all the time but keeps moving: only one silent for staleAfterMs is probed.
      if (!state.gone && Date.now() - state.heardAt < this.staleAfterMs) this.lagging(stream, instance);
      else void this.probe(stream, instance, state);
    }, due);
    state.timer.unref();
  }

  /** The writer is behind another writer of the stream (so it holds the safe position back). */
  private isLagging(stream: StreamName, instance: string): boolean {
    const writers = this.options.positions.writers(stream);
    const position = writers.get(instance) ?? 0;
    for (const p of writers.values()) if (p > position) return true;
    return false;
  }

  private async probe(stream: DurableStreamName, instance: string, state: Watched): Promise<void> {
    state.probing = true;
    state.again = false;
    let retry: boolean;
    try {
      retry = await this.fence(stream, instance, state);
    } catch (err) {
      this.options.logger.warn({ err, stream, instance }, 'probing a stalled stream writer failed');
      retry = true;
    } finally {
      state.probing = false;
    }
    if (this.closed) return;
    if (state.again) this.check(stream);
    else if (retry && !state.timer) {
      state.timer = setTimeout(() => {
        state.timer = undefined;
        this.check(stream);
      }, RETRY_MS);
      state.timer.unref();
    }
  }

  /** One probe; true when the writer may still be holding positions (look again later). */
  private async fence(stream: DurableStreamName, instance: string, state: Watched): Promise<boolean> {
    const { db, positions, logger } = this.options;
    const activity = await probeWriterActivity(db, stream, instance);
    if (!activity) {
      logger.warn({ stream, instance }, 'track_activities is off: a stalled stream writer cannot be fenced');
      return false;
    }
    state.gone = activity.backends === 0;
    // Busy (or a long transaction): its own announcement will move it, else look again.
    if (activity.openTransactions > 0) return true;
    // A live writer (it still has connections) is only slow: its own announcements move it. Fencing one while
    // it keeps writing was seen to let a reader pass another writer's position under load, so only a writer
    // whose every connection is gone (a crashed process) is fenced.
    if (!state.gone) return true;
    if (this.closed || activity.position <= positions.writerPosition(stream, instance)) return false;
    logger.info({ stream, instance, position: activity.position, gone: state.gone }, 'stream writer fenced past its settled positions');
    // Stored for readers that start later; only ever moves forward.
    advanceWriterPosition(db, stream, instance, activity.position).catch((err: unknown) =>
      logger.warn({ err, stream, instance }, 'storing a fenced writer position failed'),
    );
    this.options.publish({ stream, instance, position: activity.position, rows: [], recovered: true });
    return false;
  }

  private state(stream: StreamName, instance: string): Watched {
    const key = watchKey(stream, instance);
    let state = this.watched.get(key);
    if (!state) {
      state = { heardAt: Date.now(), gone: false, probing: false, again: false, timer: undefined };
      this.watched.set(key, state);
    }
    return state;
  }
}

function watchKey(stream: StreamName, instance: string): string {
  return `${stream}\u0000${instance}`;
}
