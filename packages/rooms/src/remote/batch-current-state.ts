/**
 * The room's current state as a batch of remote events moves it: the writer
 * state's map plus the batch's changes, merged into the writer state only once
 * the batch is committed. Nothing here walks the whole state unless a fork must
 * be resolved, so a batch of messages costs the same in a room of 30,000
 * members as in a room of three.
 */
import type { RoomEvent, StateKey, StateMap } from '@lattice/core';
import type { RoomWriterState } from '../writer-state.js';

export class BatchCurrentState {
  readonly changes = new Map<StateKey, RoomEvent>();
  /** Keys the batch added that the writer state does not hold. */
  private added = 0;
  /**
   * A map whose entries are exactly the current state's ids, when one is known. Such maps
   * are never changed once made: events' states share them.
   */
  mirror: StateMap | undefined;

  constructor(private readonly room: RoomWriterState) {
    this.mirror = room.stateIds;
  }

  get(key: StateKey): RoomEvent | undefined {
    return this.changes.get(key) ?? this.room.state.get(key);
  }

  idOf(key: StateKey): string | undefined {
    return this.get(key)?.event_id;
  }

  get size(): number {
    return this.room.state.size + this.added;
  }

  set(key: StateKey, event: RoomEvent): void {
    if (!this.changes.has(key) && !this.room.state.has(key)) this.added++;
    this.changes.set(key, event);
  }

  /** The ids as a map of their own, for state resolution. */
  ids(): StateMap {
    const ids: StateMap = new Map();
    for (const [key, event] of this.room.state) ids.set(key, event.event_id);
    for (const [key, event] of this.changes) ids.set(key, event.event_id);
    return ids;
  }

  /** The ids as a map no one changes: the mirror, made when none is known. */
  frozenIds(): StateMap {
    return (this.mirror ??= this.ids());
  }

  events(): IterableIterator<RoomEvent> {
    return [...this.room.state.values(), ...this.changes.values()].values();
  }

  /** Once the batch is committed: the writer state's map takes the changes; returns it. */
  commit(): RoomWriterState['state'] {
    for (const [key, event] of this.changes) this.room.state.set(key, event);
    this.room.stateIds = this.mirror;
    return this.room.state;
  }
}
