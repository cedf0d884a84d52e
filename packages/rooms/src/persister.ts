/**
 * The event persister (ARCHITECTURE.md §5): one logical writer per room. Work
 * for a room runs one item at a time on a per-room queue, against an
 * in-memory copy of the room's current state, extremities and state group;
 * each send is built, signed and authorised in memory and written in one
 * transaction, then its stream row is published.
 */
import { randomBytes } from 'node:crypto';
import {
  Errors,
  MatrixError,
  authEventKeys,
  authorizeEvent,
  effectivePowerLevels,
  stateKeyOf,
  userPowerLevel,
  type EventReference,
  type RoomEvent,
  type RoomVersion,
  type StateKey,
  type StateLookup,
  type StateMap,
} from '@lattice/core';
import { SQLSTATE, StateGroupStore, sqlStateOf } from '@lattice/storage';
import type {
  CreateEventOptions,
  CreateRoomOptions,
  EventDraft,
  EventPersisterApi,
  RoomsContext,
  SendResult,
  TxnKey,
} from './api.js';
import { buildEvent, eventReference } from './event-builder.js';
import { KeyedQueue } from './keyed-queue.js';
import { Lru } from './lru.js';
import { GroupCommit } from './group-commit.js';
import { persistBatches, type PersistBatch, type PersistContext, type PersistEvent } from './persist-batch.js';
import { redactedEventIdOf, redactionApplies } from './redactions.js';
import type { RoomStore } from './store.js';
import { RemoteEventPersister } from './remote/remote-persister.js';
import { streamRow } from './stream-row.js';
import { loadWriterState, type Extremity, type RoomWriterState } from './writer-state.js';

/** prev_events cited per event: the spec allows 20; fewer keeps events small when a room forks widely. */
const MAX_PREV_EVENTS = 10;
/** Rooms whose writer state stays in memory (the rest are reloaded on their next write). */
const WRITER_CACHE_SIZE = 10_000;
/** Message groups in flight at once: one being written while the next gathers (more only adds contention on few cores). */
const GROUPS_IN_FLIGHT = 2;
/** Messages per group at most. */
const MAX_GROUP = 200;

/**
 * Runs after an event batch commits and before its rows are published, so what it
 * writes (push notifications) is in place when readers see the events. Failures are
 * logged: the events are committed whatever the hook does.
 */
export type PersistedEventsHook = (events: readonly SendResult[]) => Promise<void>;

/** An event built and authorised, waiting for its transaction. */
interface PreparedEvent {
  event: RoomEvent;
  json: string;
  replacesState: string | null;
  appliesRedactionTo?: string;
}

/**
 * A batch's view of the room: the writer state plus the batch's own events, so
 * each event of a batch is built on the ones before it. Merged into the writer
 * state only after commit.
 */
class PendingRoom {
  readonly added = new Map<StateKey, RoomEvent>();
  extremities: Extremity[];
  readonly lookup: StateLookup = (type, stateKey) => {
    const key = stateKeyOf(type, stateKey);
    return this.added.get(key) ?? this.room.state.get(key);
  };

  constructor(readonly room: RoomWriterState) {
    this.extremities = room.extremities;
  }

  add(event: RoomEvent, ref: EventReference): void {
    if (event.state_key !== undefined) this.added.set(stateKeyOf(event.type, event.state_key), event);
    this.extremities = [{ eventId: event.event_id, depth: event.depth, ref }];
  }
}

export class EventPersister implements EventPersisterApi {
  private readonly queue = new KeyedQueue();
  private readonly writers = new Lru<string, RoomWriterState>(WRITER_CACHE_SIZE);
  /** v1–2 cite auth events with their reference hash: computed once per event. */
  private readonly refs = new WeakMap<RoomEvent, EventReference>();
  private readonly clock: () => number;
  private readonly persistedHooks = new Set<PersistedEventsHook>();
  private readonly groupCommit = new GroupCommit<PersistBatch, Map<string, number>>({
    write: (batches) => this.writeGroup(batches),
    maxInFlight: GROUPS_IN_FLIGHT,
    maxGroup: MAX_GROUP,
  });

  private remoteEvents: RemoteEventPersister | undefined;

  constructor(
    private readonly ctx: RoomsContext,
    private readonly store: RoomStore,
  ) {
    this.clock = ctx.clock ?? Date.now;
  }

  /** Events received over federation, written through this persister's per-room queue. */
  get remote(): RemoteEventPersister {
    this.remoteEvents ??= new RemoteEventPersister(this.ctx, this.store, this);
    return this.remoteEvents;
  }

  async createRoom(opts: CreateRoomOptions): Promise<{ roomId: string; events: SendResult[] }> {
    const { version, creator } = opts;
    const content: Record<string, unknown> = { ...opts.createContent, room_version: version.id };
    if (!version.implicitRoomCreator) content['creator'] = creator;
    const room: RoomWriterState = {
      roomId: version.roomIdFromCreateEvent ? '' : this.newRoomId(),
      version,
      state: new Map(),
      extremities: [],
      stateGroup: undefined,
    };
    const pending = new PendingRoom(room);
    const create = this.prepareBuilt(pending, {
      room_id: room.roomId,
      type: 'm.room.create',
      state_key: '',
      sender: creator,
      content,
    });
    room.roomId = create.event.room_id;
    return this.queue.run(room.roomId, async () => {
      const prepared = [create];
      for (const draft of opts.then) prepared.push(await this.prepare(pending, { ...draft, room_id: room.roomId }));
      const events = await this.commit(pending, prepared, { room: { version: version.id, creator } });
      return { roomId: room.roomId, events };
    });
  }

  createEvent(draft: EventDraft, opts?: CreateEventOptions): Promise<SendResult> {
    return this.queue.run(draft.room_id, async () => {
      const txn = opts?.txn;
      // Idempotency is checked optimistically: a first attempt (the common case) costs no
      // lookup; a retry is caught by the unique key of event_txn_ids (the statement then
      // writes nothing), or, when the room has moved on so the retry no longer passes the
      // checks, by looking the transaction up before reporting the failure.
      try {
        const room = await this.writerFor(draft.room_id);
        const pending = new PendingRoom(room);
        const prepared = await this.prepare(pending, draft);
        const [result] = await this.commit(pending, [prepared], { txn, beforeAnnounce: opts?.beforeAnnounce });
        return result!;
      } catch (err) {
        if (txn && (err instanceof MatrixError || sqlStateOf(err) === SQLSTATE.UNIQUE_VIOLATION)) {
          const existing = await this.deduplicated(txn);
          if (existing) return existing;
        }
        throw err;
      }
    });
  }

  /**
   * Runs `fn` in the room's queue, so work from federation is serialised with
   * local sends. `fn` gets the room's writer state (undefined for a room not
   * held here) and hands back the state after its writes, or undefined to have
   * it reloaded from the database; it may change the state it was given only once
   * its writes are committed (a failure drops the state: it is reloaded).
   */
  exclusive<T>(roomId: string, fn: (room: RoomWriterState | undefined) => Promise<{ result: T; room: RoomWriterState | undefined }>): Promise<T> {
    return this.queue.run(roomId, async () => {
      let room: RoomWriterState | undefined;
      try {
        room = await this.writerFor(roomId);
      } catch (err) {
        if (!(err instanceof MatrixError && err.status === 404)) throw err;
      }
      try {
        const { result, room: next } = await fn(room);
        if (next === undefined) this.writers.delete(roomId);
        else this.writers.set(roomId, next);
        return result;
      } catch (err) {
        this.writers.delete(roomId);
        throw err;
      }
    });
  }

  /** Registers a hook run for every committed batch (see PersistedEventsHook); returns its removal. */
  onPersisted(hook: PersistedEventsHook): () => void {
    this.persistedHooks.add(hook);
    return () => this.persistedHooks.delete(hook);
  }

  /** Forgets the in-memory state of a room (e.g. after another path wrote to it). */
  forgetRoom(roomId: string): void {
    this.writers.delete(roomId);
  }

  private newRoomId(): string {
    return `!${randomBytes(18).toString('base64url').replace(/[-_]/g, 'x')}:${this.ctx.config.server_name}`;
  }

  private async deduplicated(txn: TxnKey): Promise<SendResult | undefined> {
    const eventId = await this.store.eventByTxn(txn.userId, txn.deviceId, txn.txnId);
    const stored = eventId === undefined ? undefined : await this.store.getEvent(eventId);
    return stored && { event: stored.event, streamOrdering: stored.streamOrdering, deduplicated: true };
  }

  private async writerFor(roomId: string): Promise<RoomWriterState> {
    let room = this.writers.get(roomId);
    if (room === undefined) {
      // PGlite runs each statement on this thread: a large room's state is read in short pages there.
      room = await loadWriterState(this.ctx.db, roomId, this.ctx.db.kind === 'pglite' ? 500 : undefined);
      if (room === undefined) throw Errors.notFound(`Unknown room ${roomId}`);
      this.writers.set(roomId, room);
    }
    return room;
  }

  private refOf(event: RoomEvent, version: RoomVersion): EventReference {
    if (version.eventIdFormat !== 'v1') return event.event_id;
    let ref = this.refs.get(event);
    if (ref === undefined) {
      ref = eventReference(event, version);
      this.refs.set(event, ref);
    }
    return ref;
  }

  /** Builds, signs and authorises one event against the pending state, then adds it to that state. */
  private prepareBuilt(pending: PendingRoom, draft: EventDraft): PreparedEvent {
    const { version } = pending.room;
    const authEvents: EventReference[] = [];
    for (const [type, stateKey] of authEventKeys(draft, version)) {
      const event = pending.lookup(type, stateKey);
      if (event) authEvents.push(this.refOf(event, version));
    }
    const prev = pending.extremities.length > MAX_PREV_EVENTS
      ? [...pending.extremities].sort((a, b) => b.depth - a.depth).slice(0, MAX_PREV_EVENTS)
      : pending.extremities;
    let depth = 0;
    for (const p of prev) if (p.depth > depth) depth = p.depth;
    const built = buildEvent({
      draft,
      version,
      prevEvents: prev.map((p) => p.ref),
      authEvents,
      depth: depth + 1,
      originServerTs: draft.origin_server_ts ?? this.clock(),
      serverName: this.ctx.config.server_name,
      signingKey: this.ctx.signingKey,
    });
    const decision = authorizeEvent(built.event, pending.lookup, version);
    if (!decision.ok) throw Errors.forbidden(decision.reason);
    const { event } = built;
    const replacesState = event.state_key === undefined ? null : pending.lookup(event.type, event.state_key)?.event_id ?? null;
    if (version.eventIdFormat === 'v1') this.refs.set(event, built.ref);
    pending.add(event, built.ref);
    return { event, json: built.json, replacesState };
  }

  /** prepareBuilt plus the checks that read the database (redactions). */
  private async prepare(pending: PendingRoom, draft: EventDraft): Promise<PreparedEvent> {
    const { version } = pending.room;
    const target = draft.type === 'm.room.redaction' ? draft.redacts ?? redactsInContent(draft, version) : undefined;
    let targetEvent: RoomEvent | undefined;
    let hasRedactPower = false;
    if (target !== undefined) {
      const stored = await this.store.getEvent(target);
      targetEvent = stored?.event.room_id === draft.room_id ? stored.event : undefined;
      hasRedactPower =
        userPowerLevel(draft.sender, pending.lookup, version) >= effectivePowerLevels(pending.lookup, version).redact;
      // Client-server "Redactions": users redact their own events; others' need the redact level.
      if (targetEvent && targetEvent.sender !== draft.sender && !hasRedactPower) {
        throw Errors.forbidden('You do not have permission to redact this event');
      }
    }
    const prepared = this.prepareBuilt(pending, draft);
    if (targetEvent && redactionApplies(prepared.event, targetEvent, hasRedactPower)) {
      prepared.appliesRedactionTo = targetEvent.event_id;
    }
    return prepared;
  }

  /**
   * Writes the prepared events, publishes their rows and moves the writer
   * state on. A message (one event, no state change) goes through group
   * commit: one statement, atomic on its own, shared with other rooms' messages
   * under load. Anything that writes state groups runs in a transaction. On
   * failure nothing is written and the room's writer state is dropped, to be
   * reloaded from the database.
   */
  private async commit(
    pending: PendingRoom,
    prepared: PreparedEvent[],
    extra: { room?: { version: string; creator: string }; txn?: TxnKey | undefined; beforeAnnounce?: CreateEventOptions['beforeAnnounce'] },
  ): Promise<SendResult[]> {
    const { room } = pending;
    const writer = this.ctx.hub.writer('events');
    const batch: PersistBatch = {
      roomId: room.roomId,
      events: [],
      extremitiesRemoved: room.extremities.map((x) => x.eventId),
      extremitiesAdded: pending.extremities.map((x) => x.eventId),
      ...(extra.room ? { room: extra.room } : {}),
      ...(extra.txn ? { txn: { ...extra.txn, eventId: prepared[prepared.length - 1]!.event.event_id } } : {}),
    };
    let stateGroup = room.stateGroup;
    let positions: Map<string, number> | undefined;
    try {
      if (prepared.length === 1 && prepared[0]!.event.state_key === undefined && stateGroup !== undefined) {
        batch.events.push(persistEvent(prepared[0]!, stateGroup));
        positions = await this.groupCommit.submit(batch);
      } else {
        await this.ctx.db.transaction(async (tx) => {
          const groups = new StateGroupStore(tx);
          for (let i = 0; i < prepared.length; i++) {
            stateGroup = await this.stateGroupAfter(groups, room, stateGroup, prepared.slice(0, i + 1), prepared[i]!.event);
            batch.events.push(persistEvent(prepared[i]!, stateGroup));
          }
          positions = await writer.allocateWithin(() => persistBatches(tx, this.persistContext(), [batch]), (p) => p.values());
        });
      }
    } catch (err) {
      if (positions) writer.aborted([...positions.values()]); // allocated, then COMMIT failed
      this.writers.delete(room.roomId);
      throw err;
    }
    for (const [key, event] of pending.added) room.state.set(key, event);
    if (pending.added.size > 0) room.stateIds = undefined;
    room.extremities = pending.extremities;
    room.stateGroup = stateGroup;
    this.writers.set(room.roomId, room);

    const ordered = prepared.map((p) => positions!.get(p.event.event_id)!);
    const rows = prepared.map((p) => streamRow(p.event));
    this.store.applyEventRows(rows); // this worker's own reads see the write at once
    const results = prepared.map((p, i) => ({ event: p.event, streamOrdering: ordered[i]!, deduplicated: false }));
    await this.runPersistedHooks(results);
    try {
      if (extra.beforeAnnounce) await Promise.all(results.map(extra.beforeAnnounce));
    } finally {
      writer.publish(ordered, rows, ordered);
    }
    return results;
  }

  /** Runs the onPersisted hooks; other write paths of this persister (federation) call it before publishing too. */
  async runPersistedHooks(results: readonly SendResult[]): Promise<void> {
    for (const hook of this.persistedHooks) {
      try {
        await hook(results);
      } catch (err) {
        this.ctx.logger.error({ err, roomId: results[0]?.event.room_id }, 'persisted-events hook failed');
      }
    }
  }

  /** One group of messages of different rooms, in one statement outside any transaction (it commits as it answers). */
  private async writeGroup(batches: readonly PersistBatch[]): Promise<Array<Map<string, number>>> {
    const writer = this.ctx.hub.writer('events');
    const positions = await writer.allocateWithin(
      () => persistBatches(this.ctx.db, this.persistContext(), batches),
      (p) => p.values(),
    );
    return batches.map(() => positions);
  }

  private persistContext(): PersistContext {
    return { instanceName: this.ctx.instanceName, serverName: this.ctx.config.server_name, receivedTs: this.clock() };
  }

  /** The state group after `event`: a message shares the current one; a state event adds a delta. */
  private async stateGroupAfter(
    groups: StateGroupStore,
    room: RoomWriterState,
    current: number | undefined,
    upToEvent: PreparedEvent[],
    event: RoomEvent,
  ): Promise<number> {
    if (current !== undefined && event.state_key === undefined) return current;
    if (current === undefined) return groups.storeSnapshot(room.roomId, stateIds(room, upToEvent));
    return groups.storeDelta(room.roomId, current, new Map([[stateKeyOf(event.type, event.state_key!), event.event_id]]));
  }
}

function redactsInContent(draft: EventDraft, version: RoomVersion): string | undefined {
  return redactedEventIdOf({ type: draft.type, content: draft.content } as unknown as RoomEvent, version);
}

/** The room's state ids with the batch's state events so far applied. */
function stateIds(room: RoomWriterState, batch: PreparedEvent[]): StateMap {
  const ids: StateMap = new Map();
  for (const [key, event] of room.state) ids.set(key, event.event_id);
  for (const { event } of batch) {
    if (event.state_key !== undefined) ids.set(stateKeyOf(event.type, event.state_key), event.event_id);
  }
  return ids;
}

function persistEvent(p: PreparedEvent, stateGroup: number): PersistEvent {
  const e: PersistEvent = { event: p.event, json: p.json, stateGroup, replacesState: p.replacesState };
  if (p.appliesRedactionTo !== undefined) e.appliesRedactionTo = p.appliesRedactionTo;
  return e;
}
