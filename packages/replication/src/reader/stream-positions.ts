import { streamWriterPositions, type Queryable } from '@lattice/storage';
import { StreamPosition } from '../tokens/stream-position.js';
import type { StreamName, StreamUpdate } from '../types.js';

/** Positions [from, to] all handed out to one writer (StreamUpdate.ownedFrom). */
interface OwnedRun {
  from: number;
  to: number;
}

interface PositionWaiter {
  target: number | StreamPosition;
  resolve: (caughtUp: boolean) => void;
  timer: NodeJS.Timeout;
}

/**
 * What this worker has seen of every stream: each writer's persisted-up-to
 * position, and per stream the safe position (the minimum over its writers:
 * every row at or below it is committed and has been announced here).
 * Positions only move forward; waiters are resolved from apply(), never polled.
 *
 * A writer's claim that a run of positions was all handed out to it
 * (StreamUpdate.ownedFrom) moves the other writers across the run: one whose
 * position reaches the run's start has nothing in flight up to its end. Each
 * writer's latest claim is kept, so a writer whose own update arrives after
 * the claim still moves across it.
 */
export class StreamPositions {
  private readonly byStream = new Map<StreamName, Map<string, number>>();
  private readonly runs = new Map<StreamName, Map<string, OwnedRun>>();
  private readonly safe = new Map<StreamName, number>();
  private readonly waiters = new Map<StreamName, Set<PositionWaiter>>();

  /**
   * Starts from the stored positions (stream_positions) of each stream's
   * writers: those `writersOf(stream)` names (one without a stored row starts
   * at 0, holding the stream back until it reports), or every stored writer
   * when it returns undefined. Naming the writers keeps a retired instance's
   * row from holding a stream back forever.
   */
  static async load(
    db: Queryable,
    streams: readonly StreamName[],
    writersOf: (stream: StreamName) => readonly string[] | undefined = () => undefined,
  ): Promise<StreamPositions> {
    const positions = new StreamPositions();
    for (const stream of streams) {
      const stored = await streamWriterPositions(db, stream);
      const writers = writersOf(stream) ?? [...stored.keys()];
      for (const instance of writers) positions.apply({ stream, instance, position: stored.get(instance) ?? 0 });
    }
    return positions;
  }

  /** The safe position: every row at or below it is committed (0 before any writer reported). */
  current(stream: StreamName): number {
    return this.safe.get(stream) ?? 0;
  }

  writerPosition(stream: StreamName, instance: string): number {
    return this.byStream.get(stream)?.get(instance) ?? 0;
  }

  writers(stream: StreamName): ReadonlyMap<string, number> {
    return this.byStream.get(stream) ?? new Map();
  }

  /** Every writer's position as one token component. */
  position(stream: StreamName): StreamPosition {
    return StreamPosition.fromWriters(this.writers(stream));
  }

  /** Records a writer's announced position (and owned run); true when it, or a writer the run covers, moved forward. */
  apply(update: Pick<StreamUpdate, 'stream' | 'instance' | 'position' | 'ownedFrom'>): boolean {
    const { stream, instance, position, ownedFrom } = update;
    let writers = this.byStream.get(stream);
    if (!writers) this.byStream.set(stream, (writers = new Map()));
    const before = writers.get(instance);
    let moved = before === undefined || position > before;
    if (moved) writers.set(instance, position);
    if (ownedFrom !== undefined && ownedFrom <= position) {
      let runs = this.runs.get(stream);
      if (!runs) this.runs.set(stream, (runs = new Map()));
      runs.set(instance, { from: ownedFrom, to: position });
    }
    if ((moved || ownedFrom !== undefined) && this.moveAcrossRuns(stream, writers)) moved = true;
    if (!moved) return false;
    let min = Infinity;
    for (const p of writers.values()) if (p < min) min = p;
    this.safe.set(stream, min);
    this.wake(stream);
    return true;
  }

  /**
   * Caught up with `target`: a number is compared with the safe position; a
   * StreamPosition writer by writer (a writer it names that this worker has
   * never seen counts as 0).
   */
  isCaughtUp(stream: StreamName, target: number | StreamPosition): boolean {
    if (typeof target === 'number') return this.current(stream) >= target;
    const writers = this.writers(stream);
    if (writers.size === 0) return target.max <= 0;
    for (const [instance, p] of writers) if (p < target.positionFor(instance)) return false;
    for (const [instance, p] of target.writers) if (this.writerPosition(stream, instance) < p) return false;
    return true;
  }

  /** Resolves true once caught up with `target`, false after timeoutMs (bounded: never waits longer). */
  waitFor(stream: StreamName, target: number | StreamPosition, timeoutMs: number): Promise<boolean> {
    if (this.isCaughtUp(stream, target)) return Promise.resolve(true);
    if (timeoutMs <= 0) return Promise.resolve(false);
    let set = this.waiters.get(stream);
    if (!set) this.waiters.set(stream, (set = new Set()));
    const waiters = set;
    return new Promise<boolean>((resolve) => {
      const waiter: PositionWaiter = {
        target,
        resolve,
        timer: setTimeout(() => {
          waiters.delete(waiter);
          resolve(false);
        }, timeoutMs),
      };
      waiters.add(waiter);
    });
  }

  /** Moves every writer that reaches the start of another writer's owned run to its end; true when one moved. */
  private moveAcrossRuns(stream: StreamName, writers: Map<string, number>): boolean {
    const runs = this.runs.get(stream);
    if (!runs) return false;
    let movedAny = false;
    // Until nothing moves: a writer moved across one run may reach the start of another.
    for (let moved = true; moved; ) {
      moved = false;
      for (const [owner, run] of runs) {
        for (const [instance, p] of writers) {
          if (instance === owner || p >= run.to || p < run.from - 1) continue;
          writers.set(instance, run.to);
          moved = movedAny = true;
        }
      }
    }
    return movedAny;
  }

  private wake(stream: StreamName): void {
    const waiters = this.waiters.get(stream);
    if (!waiters) return;
    for (const waiter of waiters) {
      if (!this.isCaughtUp(stream, waiter.target)) continue;
      clearTimeout(waiter.timer);
      waiters.delete(waiter);
      waiter.resolve(true);
    }
  }
}
