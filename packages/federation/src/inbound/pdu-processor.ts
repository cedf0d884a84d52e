/**
 * Processing staged PDUs (ARCHITECTURE.md §5, "Federated events"): per room,
 * in the order they were staged, through the gap filler into the rooms
 * package; a staged row is deleted only once its PDU is handled, so a crash
 * mid-way resumes at start-up (resume()). Callers waiting on a transaction
 * get each PDU's outcome.
 *
 * One process drains a room at a time (an in-process per-room chain); with
 * several federation-inbound replicas the owning persister would drain instead.
 */
import type { RoomEvent } from '@lattice/core';
import type { RemoteEventResult } from '@lattice/rooms';
import type { FederationDeps } from '../api.js';
import { remoteEventsOf } from '../rooms/remote-events.js';
import { GapFiller } from './gap-filler.js';
import { StagingStore, type StagedPdu } from './staging-store.js';

/** Staged rows read per round of a room's drain. */
const DRAIN_BATCH = 50;

type Waiter = (result: RemoteEventResult) => void;

export class PduProcessor {
  readonly staging: StagingStore;
  private readonly gaps: GapFiller;
  /** Rooms being drained: the promise of the running drain. */
  private readonly draining = new Map<string, Promise<void>>();
  /** Rooms that got new rows while being drained (drain again once done). */
  private readonly dirty = new Set<string>();
  private readonly waiters = new Map<number, Waiter>();

  constructor(private readonly deps: FederationDeps) {
    this.staging = new StagingStore(deps.ctx.db);
    this.gaps = new GapFiller(deps);
  }

  /** Drains rooms staged before this process started (call once at start-up). */
  async resume(): Promise<void> {
    await Promise.all((await this.staging.roomsWithStaged()).map((roomId) => this.kick(roomId)));
  }

  /** Resolves with the outcome of staged row `id` once it has been handled. */
  outcomeOf(id: number): Promise<RemoteEventResult> {
    return new Promise((resolve) => this.waiters.set(id, resolve));
  }

  /** Makes sure the room's staged rows get processed; resolves when the drain that covers them ends. */
  kick(roomId: string): Promise<void> {
    const running = this.draining.get(roomId);
    if (running !== undefined) {
      this.dirty.add(roomId);
      return running;
    }
    const drain = this.drain(roomId).finally(() => {
      this.draining.delete(roomId);
      if (this.dirty.delete(roomId)) void this.kick(roomId);
    });
    this.draining.set(roomId, drain);
    return drain;
  }

  private async drain(roomId: string): Promise<void> {
    for (;;) {
      const rows = await this.staging.next(roomId, DRAIN_BATCH);
      if (rows.length === 0) return;
      let results: RemoteEventResult[];
      try {
        results = await this.handle(roomId, rows);
      } catch (err) {
        // A local failure (database): the PDUs stay staged for the next drain or start-up.
        this.deps.ctx.logger.error({ err, roomId }, 'federation: processing staged PDUs failed');
        for (const row of rows) this.settle(row.id, { eventId: row.eventId, outcome: 'missing_prev_events', reason: 'internal error; will be retried' });
        throw err;
      }
      // Handled means committed: the waiting transactions are answered while the rows are removed
      // (a crash before the removal handles them again, as duplicates).
      rows.forEach((row, i) => this.settle(row.id, results[i]!));
      await this.staging.remove(rows.map((r) => r.id));
      // A short read took all there was: rows staged since came with a kick, which drains again.
      if (rows.length < DRAIN_BATCH) return;
    }
  }

  /**
   * The rows' events in one go (one transaction for the room); those that border a gap
   * then go through the gap filler one by one, in order.
   */
  private async handle(roomId: string, rows: readonly StagedPdu[]): Promise<RemoteEventResult[]> {
    const version = await this.deps.ctx.rooms.store.roomVersion(roomId);
    if (version === undefined) return rows.map((r) => ({ eventId: r.eventId, outcome: 'rejected', reason: `unknown room ${roomId}` }));
    const events = rows.map((r) => JSON.parse(r.pduJson) as RoomEvent);
    const results = await remoteEventsOf(this.deps.ctx).acceptEvents(roomId, events.map((event) => ({ event })));
    for (let i = 0; i < rows.length; i++) {
      if (results[i]!.outcome.startsWith('missing')) results[i] = await this.gaps.accept(rows[i]!.origin, events[i]!, version);
    }
    return results;
  }

  private settle(id: number, result: RemoteEventResult): void {
    this.waiters.get(id)?.(result);
    this.waiters.delete(id);
  }
}
