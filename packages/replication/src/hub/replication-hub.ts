import { childLogger, type Logger } from '@lattice/core';
import type { Database } from '@lattice/storage';
import { Notifier } from '../notifier/notifier.js';
import { StreamPositions } from '../reader/stream-positions.js';
import { SYNC_TOKEN_STREAMS, SyncToken, type SyncTokenStream } from '../tokens/sync-token.js';
import { StreamPosition } from '../tokens/stream-position.js';
import {
  DURABLE_STREAMS,
  type DurableStreamName,
  type ReplicationTransport,
  type RoomScopedRow,
  type StreamName,
  type StreamRowSource,
  type StreamRows,
  type StreamUpdate,
} from '../types.js';
import { GapFiller } from '../redis/gap-filler.js';
import { MemoryStreamWriter } from '../writers/memory-stream-writer.js';
import { StreamWriter, claimWriterPosition } from '../writers/stream-writer.js';
import { HeldRows } from './held-rows.js';
import { StalledWriters } from '../fencing/stalled-writers.js';
import { awaitPreviousIncarnations, verifyWriterTag } from '../fencing/writer-incarnation.js';

export interface ReplicationHubOptions {
  db: Database;
  transport: ReplicationTransport;
  /** This process's writer name (its stream_positions rows); unique among running processes. */
  instanceName: string;
  logger: Logger;
  /** Durable streams this instance writes. Default: all of them (the single process). */
  writes?: readonly DurableStreamName[];
  /** This instance owns the in-memory typing stream. Default: true. */
  writesTyping?: boolean;
  /**
   * The writer instances of each stream (Synapse's stream_writers). Default:
   * this instance alone for the streams it writes; for the others, every
   * writer stored in stream_positions. The safe position is the minimum over them.
   */
  streamWriters?: Partial<Record<DurableStreamName, readonly string[]>>;
  /** Coalescing delay of stream_positions writes (StreamWriter). */
  flushDelayMs?: number;
  /**
   * Where missed rows are read back when the transport drops updates (Redis):
   * per stream, e.g. `{ events: new EventsRowSource(db) }`. A gap in a stream
   * without a source only moves its position. Unused with a reliable transport.
   */
  rowSources?: Partial<Record<DurableStreamName, StreamRowSource>>;
  /**
   * Stream-writer fencing over PostgreSQL (the worker split): every
   * connection of this process carries `applicationName`
   * (writerApplicationName of this instance and incarnation). A writer that
   * crashed or went silent stops holding multi-writer streams back
   * (StalledWriters), and at start this writer waits out transactions of its
   * previous incarnation. Absent: no fencing (one process writes everything).
   */
  fencing?: { applicationName: string; staleAfterMs?: number };
}

export type UpdateHandler<S extends StreamName> = (update: StreamUpdate<StreamRows[S]>) => void;

/**
 * The one replication object a role creates (ARCHITECTURE.md §4). For every
 * update from the transport, in this order:
 *  1. the stream's invalidators run (caches drop entries BEFORE positions move),
 *  2. StreamPositions advances (waitFor() callers resume),
 *  3. the Notifier wakes long-polls for rows the new position covers.
 * Steps 2 and 3 run in one synchronous step, so a reader never observes a
 * position whose rows the notifier has not seen.
 */
export class ReplicationHub {
  readonly instanceName: string;
  private readonly handlers = new Map<StreamName, Set<(update: StreamUpdate) => void>>();
  private readonly streamWriters = new Map<DurableStreamName, StreamWriter>();
  private typing: MemoryStreamWriter<RoomScopedRow> | undefined;
  private readonly held = new HeldRows();
  private readonly logger: Logger;
  private unsubscribe: (() => void) | undefined;
  private gaps: GapFiller | undefined;
  private stalled: StalledWriters | undefined;

  private constructor(
    readonly transport: ReplicationTransport,
    readonly positions: StreamPositions,
    readonly notifier: Notifier,
    instanceName: string,
    logger: Logger,
  ) {
    this.instanceName = instanceName;
    this.logger = logger;
  }

  /** Loads stored positions, subscribes, and (for the streams it writes) claims its writer positions. */
  static async create(options: ReplicationHubOptions): Promise<ReplicationHub> {
    const { db, transport, instanceName } = options;
    const logger = childLogger(options.logger, 'replication');
    const writes = options.writes ?? DURABLE_STREAMS;
    const positions = await StreamPositions.load(
      db,
      DURABLE_STREAMS,
      (stream) =>
        options.streamWriters?.[stream as DurableStreamName] ??
        (writes.includes(stream as DurableStreamName) ? [instanceName] : undefined),
    );
    const hub = new ReplicationHub(transport, positions, new Notifier(), instanceName, logger);
    const gaps = new GapFiller({
      db,
      positions,
      rowSources: options.rowSources ?? {},
      apply: (update) => hub.receive(update),
      logger,
    });
    hub.gaps = gaps;
    if (options.fencing) {
      await verifyWriterTag(db, options.fencing.applicationName);
      hub.stalled = new StalledWriters({
        db,
        positions,
        instanceName,
        publish: (update) => transport.publish(update),
        logger,
        staleAfterMs: options.fencing.staleAfterMs,
      });
    }
    const unsubscribe = transport.subscribe((update) => gaps.receive(update));
    // Updates published while the transport was down are lost: catch up from the database.
    const offConnected = transport.onConnected?.(() => {
      gaps.catchUp(DURABLE_STREAMS).catch((err) => logger.error({ err }, 'replication catch-up failed'));
    });
    hub.unsubscribe = () => {
      unsubscribe();
      offConnected?.();
    };
    for (const stream of writes) {
      const claim = await claimWriterPosition(db, stream);
      if (options.fencing) await awaitPreviousIncarnations(db, stream, instanceName, options.fencing.applicationName, claim, logger);
      const writer = new StreamWriter({
        db,
        stream,
        instance: instanceName,
        transport,
        logger,
        initialPosition: claim,
        storedPosition: positions.writerPosition(stream, instanceName),
        flushDelayMs: options.flushDelayMs,
        multiWriter: (options.streamWriters?.[stream]?.length ?? 1) > 1,
      });
      hub.streamWriters.set(stream, writer);
    }
    if (options.writesTyping ?? true) hub.typing = new MemoryStreamWriter('typing', instanceName, transport);
    return hub;
  }

  /** This instance writes `stream`. */
  writes(stream: DurableStreamName): boolean {
    return this.streamWriters.has(stream);
  }

  /** This instance's writer of `stream`; throws when the instance does not write it. */
  writer<S extends DurableStreamName>(stream: S): StreamWriter<StreamRows[S]> {
    const writer = this.streamWriters.get(stream);
    if (!writer) throw new Error(`instance ${this.instanceName} does not write the ${stream} stream`);
    return writer as StreamWriter<StreamRows[S]>;
  }

  /** The typing stream's writer (memory only); throws when this instance does not own it. */
  memoryWriter(stream: 'typing'): MemoryStreamWriter<RoomScopedRow> {
    if (!this.typing) throw new Error(`instance ${this.instanceName} does not write the ${stream} stream`);
    return this.typing;
  }

  /** Runs fn for every update of `stream`, before positions advance (cache invalidation). */
  onUpdate<S extends StreamName>(stream: S, fn: UpdateHandler<S>): () => void {
    let set = this.handlers.get(stream);
    if (!set) this.handlers.set(stream, (set = new Set()));
    const handler = fn as (update: StreamUpdate) => void;
    set.add(handler);
    return () => set.delete(handler);
  }

  /**
   * What this worker has seen, as a sync token (`next_batch`): each stream at
   * its safe position, which is what readers serve up to. A writer's position
   * beyond it must not enter the token: the notifier would count that writer's
   * rows as delivered although no read has returned them yet.
   */
  currentToken(): SyncToken {
    const positions: Partial<Record<SyncTokenStream, StreamPosition>> = {};
    for (const stream of SYNC_TOKEN_STREAMS) positions[stream] = StreamPosition.at(this.positions.current(stream));
    return new SyncToken(positions);
  }

  /**
   * Waits (bounded) until this worker has seen everything `token` covers; true
   * when caught up. Typing is skipped: it restarts at 0 with its writer.
   */
  async waitForToken(token: SyncToken, timeoutMs: number): Promise<boolean> {
    const waits = SYNC_TOKEN_STREAMS.filter((s) => s !== 'typing').map((stream) =>
      this.positions.waitFor(stream, token.get(stream), timeoutMs),
    );
    return (await Promise.all(waits)).every(Boolean);
  }

  /** Waits (bounded) until every stream has reached the given position; true when caught up. */
  async waitForPositions(positions: Partial<Record<StreamName, number>>, timeoutMs: number): Promise<boolean> {
    const waits = Object.entries(positions).map(([stream, position]) =>
      this.positions.waitFor(stream as StreamName, position!, timeoutMs),
    );
    return (await Promise.all(waits)).every(Boolean);
  }

  /**
   * Reads every followed writer's stored position (stream_positions) and fills
   * up to it from the database, as after a reconnect: how a worker catches up
   * with writers whose announcements it never got (one that started before it
   * and has been idle since).
   */
  async catchUp(): Promise<void> {
    await this.gaps?.catchUp(DURABLE_STREAMS);
  }

  /** Stops receiving, stores the writers' final positions and releases every long-poll. */
  async close(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.gaps?.close();
    this.stalled?.close();
    await Promise.all([...this.streamWriters.values()].map((w) => w.close()));
    this.notifier.abortAll();
  }

  private receive(update: StreamUpdate): void {
    const { stream, instance, position, rows } = update;
    for (const handler of this.handlers.get(stream) ?? []) {
      try {
        handler(update);
      } catch (err) {
        this.logger.error({ err, stream, instance }, 'replication update handler failed');
      }
    }
    const rowsPosition = update.rowsPosition ?? position;
    const advanced = this.positions.apply(update);
    if (advanced) this.stalled?.heard(update);
    // Readers serve a stream up to its safe position (the minimum over its writers), so rows
    // wake waiters only once that covers them: with several writers, a row of one is held
    // until the others have announced positions past it (else a woken /sync finds nothing,
    // sleeps again, and the position that makes the row readable wakes nobody).
    const safe = this.positions.current(stream);
    if (advanced && !this.held.isEmpty) {
      for (const writer of this.positions.writers(stream).keys()) {
        for (const batch of this.held.release(stream, writer, safe)) {
          this.notifier.notify(stream, writer, batch.rowsPosition, batch.rows);
        }
      }
    }
    // Each row at its own position: held (or recorded) at a later one, a sync whose token covers the row
    // would skip its room, and the row's release would then fall outside every later sync's window.
    for (const [at, group] of rowsByPosition(rows, update.rowPositions, rowsPosition)) {
      if (at <= safe) this.notifier.notify(stream, instance, at, group);
      else this.held.hold(stream, instance, at, group);
    }
    if (instance !== this.instanceName) {
      // The other writer's owned run is about its position only, not about rows ahead of it.
      const seen = Math.max(position, rowsPosition);
      this.streamWriters.get(stream as DurableStreamName)?.observe(seen, seen === position ? update.ownedFrom : undefined);
    }
    this.stalled?.check(stream);
  }
}

/** The update's rows grouped by their own positions (all at `fallback` without rowPositions). */
function rowsByPosition(rows: readonly unknown[], rowPositions: readonly number[] | undefined, fallback: number): Map<number, unknown[]> {
  const groups = new Map<number, unknown[]>();
  if (rows.length === 0) return groups;
  if (!rowPositions || rowPositions.length !== rows.length) return groups.set(fallback, [...rows]);
  rows.forEach((row, i) => {
    const at = rowPositions[i]!;
    const group = groups.get(at);
    if (group) group.push(row);
    else groups.set(at, [row]);
  });
  return groups;
}

/** Creates the hub of this process (see ReplicationHub.create). */
export function createReplicationHub(options: ReplicationHubOptions): Promise<ReplicationHub> {
  return ReplicationHub.create(options);
}
