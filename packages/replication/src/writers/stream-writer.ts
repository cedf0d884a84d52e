import { AsyncResource } from 'node:async_hooks';
import type { Logger } from '@lattice/core';
import { advanceWriterPosition, nextStreamPosition, nextStreamPositions } from '@lattice/storage';
import type { Database, Queryable, ScriptRunner } from '@lattice/storage';
import type { DurableStreamName, ReplicationTransport } from '../types.js';

export interface StreamWriterOptions {
  /** Where the persisted-up-to position is stored (stream_positions), outside any transaction. */
  db: Database;
  stream: DurableStreamName;
  /** This writer instance's name (unique per process: its stream_positions row). */
  instance: string;
  transport: ReplicationTransport;
  logger: Logger;
  /**
   * A position at or below which every row of this instance is committed, with
   * nothing in flight: at start-up, a position freshly allocated from the
   * stream's sequence (see claimWriterPosition).
   */
  initialPosition: number;
  /** The position already stored in stream_positions for this instance (0 if none). */
  storedPosition?: number;
  /** How long position updates are coalesced before they are written to stream_positions. */
  flushDelayMs?: number;
  /**
   * Other instances write this stream too: updates claim the run of positions
   * this writer owns (StreamUpdate.ownedFrom), so that readers move the idle
   * writers along without an update from each.
   */
  multiWriter?: boolean;
}

const DEFAULT_FLUSH_DELAY_MS = 50;
const FLUSH_RETRY_MS = 1000;
/**
 * How long a position this writer took over quietly (observe) waits before it
 * is announced anyway: for readers that got the updates in an order that kept
 * them from inferring it. Below StalledWriters' staleAfterMs, so such a reader
 * never probes a live writer for it.
 */
const QUIET_ANNOUNCEMENT_MS = 200;

/**
 * Start-up claim of a writer with nothing in flight: allocating one position
 * (a harmless gap) proves every earlier position is either committed or
 * abandoned by this instance's previous life. Positions of a crashed process's
 * transactions are gaps; its connections died with it, so they cannot commit later.
 */
export function claimWriterPosition(db: Queryable, stream: DurableStreamName): Promise<number> {
  return nextStreamPosition(db, stream);
}

/**
 * The writer side of one stream for one instance (ARCHITECTURE.md §4).
 *
 * Positions are allocated inside the transaction that writes the row and
 * tracked as in flight until the caller reports the outcome (publish/committed
 * after COMMIT, aborted after ROLLBACK). Concurrent transactions commit out of
 * order, so the writer's persisted-up-to position is one below its lowest
 * position still in flight (or pending allocation), else the highest position
 * it knows the sequence has handed out. Readers never see a position as safe
 * while an earlier one may still commit.
 *
 * Every advance is published on the transport at once (one that readers infer
 * by themselves, later: see observe); stream_positions is written coalesced
 * (flushDelayMs). A crash can only leave the stored value behind the truth,
 * never ahead: it is always a value that was true when written.
 *
 * Every allocated position MUST be reported exactly once (publish, committed or
 * aborted), or the stream stalls behind it. write() does this for you.
 */
export class StreamWriter<Row = unknown> {
  readonly stream: DurableStreamName;
  readonly instance: string;
  private readonly inFlight = new Set<number>();
  /** Allocations whose nextval has not answered yet, by a lower bound of what they will get (count per bound). */
  private readonly pending = new Map<number, number>();
  private known: number;
  private announced: number;
  /** The highest position this writer has put on the transport: every reader ends up knowing it. */
  private published: number;
  /** Positions handed out to this writer above `announced`: the run it claims (StreamUpdate.ownedFrom) is made of them. */
  private readonly owned = new Set<number>();
  /** Where the run of positions handed out to this writer that ends at `announced` starts (undefined: announced is not its own). */
  private runFrom: number | undefined;
  private stored: number;
  private flushTimer: NodeJS.Timeout | undefined;
  private quietTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private closed = false;
  private readonly flushDelayMs: number;
  private readonly scheduledFlush: () => void;
  private readonly quietAnnouncement: () => void;

  constructor(private readonly options: StreamWriterOptions) {
    this.stream = options.stream;
    this.instance = options.instance;
    this.known = options.initialPosition;
    this.announced = options.initialPosition;
    this.published = options.initialPosition;
    this.stored = options.storedPosition ?? 0;
    this.flushDelayMs = options.flushDelayMs ?? DEFAULT_FLUSH_DELAY_MS;
    // Flushes run in the async context the writer was created in, never inside
    // whichever caller's transaction happened to trigger them.
    this.scheduledFlush = AsyncResource.bind(() => void this.flushNow());
    this.quietAnnouncement = AsyncResource.bind(() => {
      this.quietTimer = undefined;
      if (this.announced > this.published && !this.closed) this.send(undefined, 0);
    });
    // Readers (and stream_positions) learn the start-up claim at once.
    options.transport.publish({ stream: this.stream, instance: this.instance, position: this.announced, rows: [] });
    if (this.announced > this.stored) this.scheduleFlush(0);
  }

  /** Everything this instance wrote at or below it is committed (or rolled back). */
  get persistedUpTo(): number {
    let upTo = this.known;
    for (const position of this.inFlight) if (position - 1 < upTo) upTo = position - 1;
    for (const bound of this.pending.keys()) if (bound < upTo) upTo = bound;
    return upTo;
  }

  /** The highest position the stream's sequence is known to have handed out (to this or another writer). */
  get highestKnown(): number {
    return this.known;
  }

  /** Positions allocated and not yet reported committed or aborted. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Allocates position(s) inside `tx`; they commit or vanish with it. Report each one afterwards. */
  allocate(tx: Queryable): Promise<number>;
  allocate(tx: Queryable, count: number): Promise<number[]>;
  async allocate(tx: Queryable, count?: number): Promise<number | number[]> {
    const positions = await this.allocateWithin(
      async () => (count === undefined ? [await nextStreamPosition(tx, this.stream)] : nextStreamPositions(tx, this.stream, count)),
      (allocated) => allocated,
    );
    return count === undefined ? positions[0]! : positions;
  }

  /**
   * allocate() for a statement that draws its positions from the stream's
   * sequence itself (nextval inside the INSERT that writes the rows, which
   * saves a round trip): `run` executes it, `positionsOf` names the positions
   * its result holds. Until it answers, persistedUpTo stays below anything it
   * may take. Report each position afterwards, as for allocate(); a statement
   * run outside a transaction has committed when it answers.
   */
  async allocateWithin<T>(run: () => Promise<T>, positionsOf: (result: T) => Iterable<number>): Promise<T> {
    if (this.closed) throw new Error(`stream writer ${this.stream}/${this.instance} is closed`);
    // nextval will answer above everything already known to be handed out.
    const bound = this.known;
    this.pending.set(bound, (this.pending.get(bound) ?? 0) + 1);
    let result: T;
    try {
      result = await run();
    } catch (err) {
      this.release(bound);
      this.announce(undefined, 0); // the freed bound may let the position move
      throw err;
    }
    this.release(bound);
    for (const position of positionsOf(result)) {
      this.inFlight.add(position);
      if (this.options.multiWriter && position > this.announced) this.owned.add(position);
      if (position > this.known) this.known = position;
    }
    return result;
  }

  /**
   * After COMMIT: marks the positions committed and publishes the rows (with
   * the writer's new persisted-up-to position). Rows may be empty.
   * `rowPositions` gives each row's own position (parallel to rows); without
   * it every row counts as written at the highest of `positions`.
   */
  publish(positions: number | readonly number[], rows: readonly Row[], rowPositions?: readonly number[]): void {
    const list = typeof positions === 'number' ? [positions] : positions;
    let rowsPosition = 0;
    for (const position of list) {
      this.settle(position);
      if (position > rowsPosition) rowsPosition = position;
    }
    if (rowPositions && rowPositions.length !== rows.length) {
      throw new Error(`${rows.length} rows of ${this.stream}/${this.instance} published with ${rowPositions.length} positions`);
    }
    this.announce(rows.length > 0 ? rows : undefined, rowsPosition, rowPositions);
  }

  /** After COMMIT, for writes without rows to announce. */
  committed(positions: number | readonly number[]): void {
    this.publish(positions, []);
  }

  /** After ROLLBACK: the positions are gaps; the writer may move past them. */
  aborted(positions: number | readonly number[]): void {
    for (const position of typeof positions === 'number' ? [positions] : positions) this.settle(position);
    this.announce(undefined, 0);
  }

  /**
   * Runs fn in a transaction with a freshly allocated position, then publishes
   * the rows it returns. Resolves with the position (the write's read-your-writes
   * position). Do not call it inside another transaction: a savepoint is no commit.
   */
  async write(db: Database, fn: (tx: ScriptRunner, position: number) => Promise<Row[]>): Promise<number> {
    let position: number | undefined;
    let rows: Row[];
    try {
      rows = await db.transaction(async (tx) => {
        position = await this.allocate(tx);
        return fn(tx, position);
      });
    } catch (err) {
      if (position !== undefined) this.aborted(position);
      throw err;
    }
    this.publish(position!, rows);
    return position!;
  }

  /**
   * Another writer of this stream reached `position`: the sequence has handed
   * it out, so anything this writer allocates later is above it. An idle writer
   * moves up with it instead of holding the stream's safe position back.
   *
   * `ownedFrom` is the other writer's claim that [ownedFrom, position] was all
   * handed out to it (StreamUpdate.ownedFrom). When the last position this
   * writer published reaches ownedFrom - 1, every reader moves it up to
   * `position` by itself: announcing that would only double the updates of
   * the stream, so the new position is announced later, and only if this
   * writer has published nothing meanwhile (QUIET_ANNOUNCEMENT_MS).
   */
  observe(position: number, ownedFrom?: number): void {
    if (position <= this.known) return;
    this.known = position;
    if (ownedFrom === undefined || this.published < ownedFrom - 1) {
      this.announce(undefined, 0);
      return;
    }
    const upTo = this.persistedUpTo;
    if (upTo <= this.announced) return;
    this.advance(upTo);
    if (!this.quietTimer) {
      this.quietTimer = setTimeout(this.quietAnnouncement, QUIET_ANNOUNCEMENT_MS);
      this.quietTimer.unref();
    }
  }

  /** Writes the current persisted-up-to position to stream_positions now. */
  async flush(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    await this.flushing;
    await this.flushNow();
  }

  /** Refuses new allocations and stores the final position. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.quietTimer);
    await this.flush();
  }

  private release(bound: number): void {
    const left = this.pending.get(bound)! - 1;
    if (left === 0) this.pending.delete(bound);
    else this.pending.set(bound, left);
  }

  private settle(position: number): void {
    if (!this.inFlight.delete(position)) {
      throw new Error(`position ${position} of ${this.stream}/${this.instance} is not in flight (reported twice?)`);
    }
  }

  private announce(rows: readonly Row[] | undefined, rowsPosition: number, rowPositions?: readonly number[]): void {
    const upTo = this.persistedUpTo;
    if (upTo <= this.announced && !rows) return;
    if (upTo > this.announced) this.advance(upTo);
    this.send(rows, rowsPosition, rowPositions);
  }

  /** Moves the announced position up to `upTo` (stored coalesced), with the run of own positions that ends there. */
  private advance(upTo: number): void {
    let below = upTo;
    while (below > this.announced && this.owned.has(below)) below--;
    if (below === upTo) this.runFrom = undefined;
    else if (below !== this.announced || this.runFrom === undefined) this.runFrom = below + 1;
    // (else the run continues the one that ended at the previous announced position)
    for (const position of this.owned) if (position <= upTo) this.owned.delete(position);
    this.announced = upTo;
    this.scheduleFlush(this.flushDelayMs);
  }

  /** Puts the announced position (with rows, if any) on the transport. */
  private send(rows: readonly Row[] | undefined, rowsPosition: number, rowPositions?: readonly number[]): void {
    const effective = rows && rowsPosition > this.announced ? rowsPosition : this.announced;
    // The announced position may lie past the rows (this writer observed others): readers still need their own.
    const own = rows ? (rowPositions ?? rows.map(() => rowsPosition)) : [];
    this.published = this.announced;
    // Nothing left to announce late: the next quiet move waits a full QUIET_ANNOUNCEMENT_MS again.
    clearTimeout(this.quietTimer);
    this.quietTimer = undefined;
    this.options.transport.publish({
      stream: this.stream,
      instance: this.instance,
      position: this.announced,
      rows: rows ? [...rows] : [],
      ...(effective !== this.announced ? { rowsPosition } : {}),
      ...(own.some((p) => p !== effective) ? { rowPositions: [...own] } : {}),
      ...(this.runFrom !== undefined && this.options.multiWriter ? { ownedFrom: this.runFrom } : {}),
    });
  }

  private scheduleFlush(delayMs: number): void {
    if (this.flushTimer || this.flushing) return;
    this.flushTimer = setTimeout(this.scheduledFlush, delayMs);
    this.flushTimer.unref();
  }

  private async flushNow(): Promise<void> {
    this.flushTimer = undefined;
    if (this.flushing) return this.flushing;
    const target = this.announced;
    if (target <= this.stored) return;
    let retryMs = this.flushDelayMs;
    this.flushing = (async () => {
      try {
        await advanceWriterPosition(this.options.db, this.stream, this.instance, target);
        if (target > this.stored) this.stored = target;
      } catch (err) {
        // Harmless to be late (the stored value is only ever behind); try again.
        this.options.logger.warn({ err, stream: this.stream, instance: this.instance }, 'storing stream position failed');
        retryMs = Math.max(retryMs, FLUSH_RETRY_MS);
      }
    })();
    try {
      await this.flushing;
    } finally {
      this.flushing = undefined;
      if (this.announced > this.stored && !this.closed) this.scheduleFlush(retryMs);
    }
  }
}
