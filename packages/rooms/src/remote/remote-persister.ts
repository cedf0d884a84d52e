/**
 * Persisting events received over federation (server-server API "Checks
 * performed on receipt of a PDU", steps 4–6, and "Joining Rooms"). The
 * format, signature and hash checks (steps 1–3) are the caller's: events come
 * here as RoomEvents already verified and, if need be, redacted.
 *
 * Work for a room runs on the persister's per-room queue, so remote events
 * are serialised with local sends, and goes through the same events stream
 * (positions allocated in the statement, published after commit) so /sync wakes.
 * Rejected events are stored as rejected (later events may cite them) and
 * soft-failed ones as soft-failed: neither enters state, timelines or the
 * forward extremities. Outliers (auth chain members, a remote invite) are
 * stored without state.
 */
import {
  Errors,
  authEventIds,
  authEventKeys,
  canonicalJson,
  effectivePowerLevels,
  prevEventIds,
  resolveStateSliced,
  serverNameOf,
  stateKeyOf,
  toFederationPdu,
  TimeSlicer,
  userPowerLevel,
  type RoomEvent,
  type RoomVersion,
  type StateKey,
  type StateLookup,
  type StateMap,
} from '@lattice/core';
import { StateGroupStore, type Queryable } from '@lattice/storage';
import type { RoomsContext, SendResult, StoredEvent } from '../api.js';
import { BACKFILL_SEQUENCE, persistBatches, type PersistBatch, type PersistContext, type PersistEvent } from '../persist-batch.js';
import type { EventPersister } from '../persister.js';
import { streamRow } from '../stream-row.js';
import { redactedEventIdOf, redactionApplies } from '../redactions.js';
import type { RoomStore } from '../store.js';
import type { Extremity, RoomWriterState } from '../writer-state.js';
import { BatchCurrentState } from './batch-current-state.js';
import { eventReference } from '../event-builder.js';
import { checkAgainstState, checkAuthEvents, createEventIdOf, type KnownEvent } from './auth-check.js';
import { authChainIds, citationOrderSliced } from './event-graph.js';

export type RemoteOutcome =
  /** Stored, in the timeline, possibly changing the current state. */
  | 'accepted'
  /** Stored but kept out of timelines and state: it fails auth against the current state. */
  | 'soft_failed'
  /** Stored as rejected: it fails auth against its auth events or the state before it. */
  | 'rejected'
  /** Stored without state. */
  | 'outlier'
  /** Already stored: nothing written. */
  | 'duplicate'
  /** Not stored: some prev events are unknown here and no state was supplied (fetch them, or /state_ids). */
  | 'missing_prev_events'
  /** Not stored: some auth events are unknown here (fetch them with /event_auth and store them as outliers). */
  | 'missing_auth_events';

export interface RemoteEventResult {
  eventId: string;
  outcome: RemoteOutcome;
  reason?: string;
}

export interface IncomingEvent {
  event: RoomEvent;
  /** The state before the event, when its prev events are not all held here (fetched with /state_ids). */
  stateBefore?: StateMap;
}

export interface RemoteJoin {
  version: RoomVersion;
  /** The join event, signed by the resident server too (send_join's answer, or ours). */
  join: RoomEvent;
  /** The room state before the join (send_join's `state`). */
  state: RoomEvent[];
  /** send_join's `auth_chain`. */
  authChain: RoomEvent[];
}

/**
 * What federation writes through: the RemoteEventPersister of the process that
 * owns the room, or (in the worker split) a client of that process.
 */
export interface RemoteEventsApi {
  acceptEvents(roomId: string, incoming: readonly IncomingEvent[]): Promise<RemoteEventResult[]>;
  backfillEvents(roomId: string, incoming: readonly IncomingEvent[]): Promise<RemoteEventResult[]>;
  storeOutliers(roomId: string, events: readonly RoomEvent[], version: RoomVersion): Promise<RemoteEventResult[]>;
  storeLocalMembershipOutlier(event: RoomEvent, version: RoomVersion): Promise<RemoteEventResult>;
  joinRoom(input: RemoteJoin): Promise<SendResult>;
}

/**
 * Rows written per statement for a join's bulk writes (outliers, state entries, current state):
 * making and sending a statement is synchronous work, so this bounds each run of it (about
 * 10 ms of CPU for 250 outliers). Existence checks take twice as many ids.
 */
const OUTLIER_CHUNK = 250;
/** Longest run of synchronous auth checks before the event loop gets a turn. */
const SLICE_MS = 10;

interface Accepted {
  event: RoomEvent;
  rejected: boolean;
  /** The state after the event (its state before when rejected); absent for outliers. */
  stateAfter?: StateMap;
  group?: number;
}

/** A held event with the state after it (a map no one changes) and that state's group. */
interface HeldTip {
  eventId: string;
  group: number;
  state: StateMap;
}

export class RemoteEventPersister implements RemoteEventsApi {
  private readonly clock: () => number;

  constructor(
    private readonly ctx: RoomsContext,
    private readonly store: RoomStore,
    private readonly persister: EventPersister,
  ) {
    this.clock = ctx.clock ?? Date.now;
  }

  /**
   * Steps 4–6 for events of one room the server participates in, in an order where each
   * comes after those it cites. One result per event, in input order; nothing throws for
   * one bad event.
   */
  acceptEvents(roomId: string, incoming: readonly IncomingEvent[]): Promise<RemoteEventResult[]> {
    return this.persister.exclusive(roomId, (room) => {
      if (room === undefined) throw Errors.notFound(`Unknown room ${roomId}`);
      return this.acceptLocked(room, incoming);
    });
  }

  /**
   * History older than anything held (server-server "Backfilling"): each event is checked
   * against its auth events and the state before it, stored with its state, and placed in
   * /messages by depth; it moves neither the current state nor the forward extremities, is
   * not soft-failed (it is not news), and takes a position below every live one (no /sync
   * wake, no push). Events whose prev events are not held need `stateBefore`.
   */
  backfillEvents(roomId: string, incoming: readonly IncomingEvent[]): Promise<RemoteEventResult[]> {
    return this.persister.exclusive(roomId, (room) => {
      if (room === undefined) throw Errors.notFound(`Unknown room ${roomId}`);
      return this.acceptLocked(room, incoming, true);
    });
  }

  /** Stores events without state (e.g. a fetched auth chain), each checked against its auth events. */
  storeOutliers(roomId: string, events: readonly RoomEvent[], version: RoomVersion): Promise<RemoteEventResult[]> {
    return this.persister.exclusive(roomId, async (room) => {
      const { results } = await this.writeOutliers(roomId, events, version, []);
      return { result: events.map((e) => results.get(e.event_id)!), room };
    });
  }

  /**
   * A membership of a local user in a room this server is not in (a remote invite, the
   * rejection of one, a knock): stored as an outlier that sets the user's membership, so it
   * reaches their /sync. Its auth events are not held here, so only its signatures (checked
   * by the caller) vouch for it, as the spec's invite handshake intends. Duplicates write nothing.
   */
  storeLocalMembershipOutlier(event: RoomEvent, version: RoomVersion): Promise<RemoteEventResult> {
    return this.persister.exclusive(event.room_id, async (room) => {
      const { results } = await this.writeOutliers(event.room_id, [event], version, [event], undefined, false);
      return { result: results.get(event.event_id)!, room };
    });
  }

  /**
   * Joining a room over federation: the returned state and auth chain are stored as
   * outliers (each checked against its auth events), the join event with the state
   * before it, and the room's current state becomes that state plus the join.
   * Throws 403 when the join does not pass auth against the state.
   */
  joinRoom(input: RemoteJoin): Promise<SendResult> {
    const roomId = input.join.room_id;
    // The room's state is replaced wholesale, and the writer state with it.
    return this.persister.exclusive(roomId, () => this.joinLocked(input));
  }

  // ---- accepting events into the DAG

  /** `historical`: backfilled events (see backfillEvents). */
  private async acceptLocked(
    room: RoomWriterState,
    incoming: readonly IncomingEvent[],
    historical = false,
  ): Promise<{ result: RemoteEventResult[]; room: RoomWriterState | undefined }> {
    const { roomId, version } = room;
    const results = new Map<string, RemoteEventResult>();
    const suppliedState = new Map(incoming.flatMap((i) => (i.stateBefore ? [[i.event.event_id, i.stateBefore] as const] : [])));

    const ids = incoming.map((i) => i.event.event_id);
    // One read for the events themselves (duplicates, outliers) and everything they cite.
    const cited = new Set(incoming.flatMap((i) => [...authEventIds(i.event), ...prevEventIds(i.event)]));
    const known = await this.store.getEvents([...new Set([...ids, ...cited])]);
    const seen = new Set<string>();
    const promoted: string[] = [];
    const fresh = incoming.filter((i) => {
      const id = i.event.event_id;
      // An outlier (held without state) is taken into the DAG now that it arrives with its place in it.
      const held = known.get(id);
      if (held !== undefined && held.outlier && held.rejectedReason === null && !seen.has(id)) {
        promoted.push(id);
        seen.add(id);
        return true;
      }
      if (held !== undefined || seen.has(id)) {
        results.set(id, { eventId: id, outcome: 'duplicate' });
        return false;
      }
      seen.add(id);
      return true;
    });

    const current = new BatchCurrentState(room);
    const extremities = new Set(room.extremities.map((x) => x.eventId));
    /** The last accepted event whose state after became the current state as is, and its group. */
    let lastLinear: { eventId: string; group: number } | undefined;
    const createKey = stateKeyOf('m.room.create', '');
    const create = version.roomIdFromCreateEvent ? current.get(createKey) : undefined;
    const batch: Accepted[] = [];
    const inBatch = new Map<string, Accepted>();
    const persist: PersistEvent[] = [];
    // The room's only forward extremity: its state after is the current state, held in its group.
    const tip: HeldTip | undefined =
      room.extremities.length === 1 && room.stateGroup !== undefined ? { eventId: room.extremities[0]!.eventId, group: room.stateGroup, state: current.frozenIds() } : undefined;
    const eventCache = new Map<string, RoomEvent>();

    const lookupKnown = (id: string): KnownEvent | undefined => {
      const b = inBatch.get(id);
      if (b) return { event: b.event, rejected: b.rejected };
      const s = known.get(id);
      return s && { event: s.event, rejected: s.rejectedReason !== null };
    };

    const writer = this.ctx.hub.writer('events');
    let positions: Map<string, number> | undefined;
    try {
      await this.ctx.db.transaction(async (tx) => {
        const groups = new StateGroupStore(tx);
        for (const event of await citationOrderSliced(fresh.map((i) => i.event), SLICE_MS)) {
          const id = event.event_id;
          const authMissing = authEventIds(event).filter((a) => lookupKnown(a) === undefined);
          if (authMissing.length > 0) {
            results.set(id, { eventId: id, outcome: 'missing_auth_events', reason: `unknown auth events: ${authMissing.join(', ')}` });
            continue;
          }
          const before = await this.stateBefore(groups, event, version, inBatch, tip, suppliedState.get(id));
          if (before === undefined) {
            results.set(id, { eventId: id, outcome: 'missing_prev_events' });
            continue;
          }
          const beforeLookup = await this.lookupFor(event, before.state, version, eventCache, inBatch, current);
          let reason: string | undefined;
          const step4 = checkAuthEvents(event, lookupKnown, version, create);
          if (!step4.ok) reason = step4.reason;
          else {
            const step5 = checkAgainstState(event, beforeLookup, version);
            if (!step5.ok) reason = `against the state before it: ${step5.reason}`;
          }
          const rejected = reason !== undefined;
          const step6 = rejected || historical ? undefined : checkAgainstState(event, (t, k) => current.get(stateKeyOf(t, k)), version);
          const softFailed = step6 !== undefined && !step6.ok;

          const ownKey = event.state_key !== undefined && !rejected ? stateKeyOf(event.type, event.state_key) : undefined;
          // State maps are never changed once made: a non-state event's state after is its state
          // before, shared, so a message costs nothing per state entry of a large room.
          const stateAfter = ownKey === undefined ? before.state : new Map(before.state).set(ownKey, id);
          let group: number;
          if (ownKey === undefined && before.group !== undefined) group = before.group;
          else if (before.group !== undefined) group = await groups.storeDelta(roomId, before.group, new Map([[ownKey!, id]]));
          else group = await groups.storeSnapshot(roomId, stateAfter);
          const accepted: Accepted = { event, rejected, stateAfter, group };
          inBatch.set(id, accepted);
          eventCache.set(id, event);
          batch.push(accepted);

          const p: PersistEvent = {
            event,
            json: wireJson(event, version),
            stateGroup: group,
            replacesState: ownKey === undefined ? null : before.state.get(ownKey) ?? null,
          };
          if (rejected) p.rejectedReason = reason!;
          if (softFailed) p.softFailed = true;
          if (!rejected && !softFailed) {
            const target = await this.redactionTarget(event, version, beforeLookup, known, inBatch);
            if (target !== undefined) p.appliesRedactionTo = target;
          }
          persist.push(p);
          if (rejected) results.set(id, { eventId: id, outcome: 'rejected', reason: reason! });
          else if (softFailed) results.set(id, { eventId: id, outcome: 'soft_failed', reason: step6!.ok ? '' : step6!.reason });
          else results.set(id, { eventId: id, outcome: 'accepted' });
          if (rejected || softFailed || historical) continue;

          // The DAG moves on: the event replaces the tips it cites; the current state follows.
          const prevs = prevEventIds(event);
          const linear = [...extremities].every((x) => prevs.includes(x));
          for (const x of prevs) extremities.delete(x);
          extremities.add(id);
          lastLinear = linear ? { eventId: id, group } : undefined;
          // Built on the map the current state already mirrors, the state after differs from it
          // in the event's own key at most; otherwise every entry is compared.
          const onMirror = linear && before.state === current.mirror;
          let next = stateAfter;
          if (!linear) {
            for (const e of current.events()) eventCache.set(e.event_id, e);
            next = await this.resolve(version, [current.ids(), stateAfter], eventCache, inBatch);
          }
          let complete = true;
          for (const [key, eid] of onMirror ? (ownKey === undefined ? [] : [[ownKey, id] as const]) : next) {
            if (current.idOf(key) === eid) continue;
            const e = eventCache.get(eid) ?? (await this.store.getEvent(eid))?.event;
            if (e === undefined) {
              complete = false;
              continue;
            }
            current.set(key, e);
          }
          current.mirror = complete && (onMirror || next.size === current.size) ? next : undefined;
        }
        if (persist.length === 0) return;
        const removed = room.extremities.map((x) => x.eventId).filter((x) => !extremities.has(x));
        const old = new Set(room.extremities.map((x) => x.eventId));
        const pb: PersistBatch = {
          roomId,
          events: persist,
          extremitiesRemoved: removed,
          extremitiesAdded: [...extremities].filter((x) => !old.has(x)),
          currentState: [...current.changes.values()],
        };
        const rewritten = promoted.filter((id) => inBatch.has(id));
        if (rewritten.length > 0) await deleteEventRows(tx, rewritten);
        if (historical) {
          pb.localMemberships = [];
          positions = await persistBatches(tx, { ...this.persistContext(), sequence: BACKFILL_SEQUENCE }, [pb]);
          return;
        }
        positions = await writer.allocateWithin(() => persistBatches(tx, this.persistContext(), [pb]), (p) => p.values());
      });
    } catch (err) {
      if (positions && !historical) writer.aborted([...positions.values()]);
      throw err;
    }
    if (promoted.length > 0) this.store.forgetEvents(promoted);
    const result = incoming.map((i) => results.get(i.event.event_id) ?? { eventId: i.event.event_id, outcome: 'duplicate' as const });
    // History leaves the room's writer state as it was.
    if (positions === undefined || historical) return { result, room };
    // Remote events notify local users like local ones (push rules, unread counts), before /sync wakes.
    const timeline = persist.filter((p) => p.rejectedReason === undefined && p.softFailed !== true).map((p) => p.event);
    await this.persister.runPersistedHooks(timeline.map((event) => ({ event, streamOrdering: positions!.get(event.event_id)!, deduplicated: false })));
    // Held events that entered the current state through resolution (e.g. outliers from /state_ids) are announced too.
    const written = new Set(persist.map((p) => p.event.event_id));
    const entered = [...current.changes.values()].filter((e) => !written.has(e.event_id));
    this.publish(positions, [...persist.map((p) => p.event), ...entered]);
    // The writer state moves on in memory, as after a local send.
    const held = new Map(room.extremities.map((x) => [x.eventId, x]));
    const tips: Extremity[] = [...extremities].map((id) => {
      const e = inBatch.get(id)?.event;
      return held.get(id) ?? { eventId: id, depth: e!.depth, ref: eventReference(e!, version) };
    });
    const only = tips.length === 1 ? tips[0]!.eventId : undefined;
    const stateGroup = only !== undefined && lastLinear?.eventId === only ? lastLinear.group : tips.length === 1 && only !== undefined && held.has(only) ? room.stateGroup : undefined;
    return { result, room: { roomId, version, state: current.commit(), stateIds: current.mirror, extremities: tips, stateGroup } };
  }

  /** The state before an event: supplied, or from its prev events (resolved when there are several). */
  private async stateBefore(
    groups: StateGroupStore,
    event: RoomEvent,
    version: RoomVersion,
    inBatch: Map<string, Accepted>,
    tip: HeldTip | undefined,
    supplied: StateMap | undefined,
  ): Promise<{ state: StateMap; group?: number } | undefined> {
    if (supplied !== undefined) return { state: supplied };
    const sets: Array<{ state: StateMap; group: number }> = [];
    for (const prev of prevEventIds(event)) {
      const b = inBatch.get(prev);
      if (b?.stateAfter !== undefined && b.group !== undefined) {
        sets.push({ state: b.stateAfter, group: b.group });
        continue;
      }
      if (prev === tip?.eventId) {
        sets.push(tip);
        continue;
      }
      const group = await groups.stateGroupForEvent(prev);
      if (group === undefined) return undefined; // unknown, or an outlier
      sets.push({ state: await this.store.stateAfterEvent(prev), group });
    }
    // Only the create event cites nothing: the room's state before it is empty.
    if (sets.length === 0) return event.type === 'm.room.create' ? { state: new Map() } : undefined;
    if (sets.length === 1) return sets[0]!;
    const cache = new Map<string, RoomEvent>();
    return { state: await this.resolve(version, sets.map((s) => s.state), cache, inBatch) };
  }

  /**
   * State resolution with every state event and its auth chain loaded first. Events of the
   * batch being accepted are not written yet: their auth chains are walked in memory down
   * to held events, whose chains come from the database.
   */
  private async resolve(version: RoomVersion, sets: StateMap[], cache: Map<string, RoomEvent>, inBatch: Map<string, Accepted>): Promise<StateMap> {
    const ids = new Set<string>();
    for (const s of sets) for (const id of s.values()) ids.add(id);
    const rejected = new Set<string>();
    const held: string[] = [];
    const pending = [...ids];
    while (pending.length > 0) {
      const id = pending.pop()!;
      const b = inBatch.get(id);
      if (b === undefined) {
        held.push(id);
        continue;
      }
      cache.set(id, b.event);
      if (b.rejected) rejected.add(id);
      for (const a of authEventIds(b.event)) {
        if (ids.has(a)) continue;
        ids.add(a);
        pending.push(a);
      }
    }
    for (const id of await authChainIds(this.ctx.db, held)) ids.add(id);
    const missing = [...ids].filter((id) => !cache.has(id));
    const loaded = await this.store.getEvents(missing);
    for (const [id, s] of loaded) {
      cache.set(id, s.event);
      if (s.rejectedReason !== null) rejected.add(id);
    }
    return resolveStateSliced(version, sets, (id) => cache.get(id), SLICE_MS, { isRejected: (id) => rejected.has(id) });
  }

  /** A lookup into `state` that loads only the entries the auth rules read for this event. */
  private async lookupFor(
    event: RoomEvent,
    state: StateMap,
    version: RoomVersion,
    cache: Map<string, RoomEvent>,
    inBatch: Map<string, Accepted>,
    current: BatchCurrentState,
  ): Promise<StateLookup> {
    const missing: string[] = [];
    for (const [type, stateKey] of [...authEventKeys(event, version), ['m.room.create', ''] as [string, string]]) {
      const key = stateKeyOf(type, stateKey);
      const id = state.get(key);
      if (id === undefined || cache.has(id) || inBatch.has(id)) continue;
      const held = current.get(key);
      if (held?.event_id === id) cache.set(id, held);
      else missing.push(id);
    }
    if (missing.length > 0) for (const [id, s] of await this.store.getEvents(missing)) cache.set(id, s.event);
    return (type, stateKey) => {
      const id = state.get(stateKeyOf(type, stateKey));
      return id === undefined ? undefined : cache.get(id) ?? inBatch.get(id)?.event;
    };
  }

  /** The event an accepted redaction takes effect on, if any (rooms/v3 "Handling redactions"). */
  private async redactionTarget(
    event: RoomEvent,
    version: RoomVersion,
    state: StateLookup,
    known: Map<string, StoredEvent>,
    inBatch: Map<string, Accepted>,
  ): Promise<string | undefined> {
    const targetId = redactedEventIdOf(event, version);
    if (targetId === undefined) return undefined;
    const target = inBatch.get(targetId)?.event ?? known.get(targetId)?.event ?? (await this.store.getEvent(targetId))?.event;
    if (target === undefined) return undefined;
    const power = userPowerLevel(event.sender, state, version) >= effectivePowerLevels(state, version).redact;
    return redactionApplies(event, target, power) ? targetId : undefined;
  }

  // ---- outliers and joins

  /**
   * Checks each event against its auth events (from the list or stored) and writes the
   * new ones as outliers in chunked statements. `localMemberships` set local users'
   * memberships. Runs on the caller's queue slot.
   */
  private async writeOutliers(
    roomId: string,
    events: readonly RoomEvent[],
    version: RoomVersion,
    localMemberships: RoomEvent[],
    tx?: Queryable,
    checkAuth = true,
  ): Promise<{ results: Map<string, RemoteEventResult>; positions: Map<string, number> }> {
    const slicer = new TimeSlicer(SLICE_MS);
    const results = new Map<string, RemoteEventResult>();
    const unique = new Map<string, RoomEvent>();
    for (const e of events) {
      unique.set(e.event_id, e);
      await slicer.pass();
    }
    const existing = await heldEventIds(tx ?? this.ctx.db, [...unique.keys()]);
    for (const id of existing) {
      results.set(id, { eventId: id, outcome: 'duplicate' });
      unique.delete(id);
    }
    const list = await citationOrderSliced([...unique.values()], SLICE_MS);
    const citedElsewhere = new Set<string>();
    for (const event of list) {
      for (const id of authEventIds(event)) if (!unique.has(id)) citedElsewhere.add(id);
      await slicer.pass();
    }
    const stored = await this.store.getEvents([...citedElsewhere]);
    const checked = new Map<string, KnownEvent>();
    const known = (id: string): KnownEvent | undefined => {
      const c = checked.get(id);
      if (c) return c;
      const s = stored.get(id);
      return s && { event: s.event, rejected: s.rejectedReason !== null };
    };
    const createId = createEventIdOf(roomId, version);
    for (const event of list) {
      const create = createId === undefined ? undefined : (known(createId)?.event ?? unique.get(createId));
      const decision = checkAuth ? checkAuthEvents(event, known, version, create) : { ok: true as const };
      checked.set(event.event_id, { event, rejected: !decision.ok });
      results.set(event.event_id, decision.ok ? { eventId: event.event_id, outcome: 'outlier' } : { eventId: event.event_id, outcome: 'rejected', reason: decision.reason });
      await slicer.pass();
    }
    const localIds = new Set(localMemberships.map((e) => e.event_id));
    const positions = new Map<string, number>();
    if (list.length === 0) return { results, positions };
    const writer = this.ctx.hub.writer('events');
    const size = this.statementRows();
    // Rows (with their wire JSON) are made per statement: a join's tens of thousands are never all alive at once.
    // Encoding a statement's rows takes as long as sending them: the event loop gets a turn in between.
    const rowsFrom = async (from: number): Promise<PersistEvent[]> => {
      const rows: PersistEvent[] = [];
      for (const event of list.slice(from, from + size)) {
        rows.push(outlierRow(event, version, results.get(event.event_id)!));
        await slicer.pass();
      }
      return rows;
    };
    const write = async (q: Queryable): Promise<void> => {
      let rows = await rowsFrom(0);
      for (let i = 0; i < list.length; i += size) {
        const batch: PersistBatch = {
          roomId,
          events: rows,
          extremitiesRemoved: [],
          extremitiesAdded: [],
          currentState: [],
          localMemberships: rows.filter((p) => localIds.has(p.event.event_id) && p.rejectedReason === undefined).map((p) => p.event),
        };
        const written = writer.allocateWithin(() => persistBatches(q, this.persistContext(), [batch]), (p) => p.values());
        written.catch(() => undefined); // awaited below; its failure must not surface as unhandled meanwhile
        // The next statement's rows are made while the database runs this one.
        rows = i + size < list.length ? await rowsFrom(i + size) : [];
        for (const [id, pos] of await written) positions.set(id, pos);
      }
    };
    if (tx !== undefined) {
      await write(tx);
      return { results, positions };
    }
    try {
      await this.ctx.db.transaction(write);
    } catch (err) {
      writer.aborted([...positions.values()]);
      throw err;
    }
    // Readers need rows only for what they show or cache: outliers other than local memberships have neither.
    this.publish(positions, list.filter((e) => localIds.has(e.event_id)));
    return { results, positions };
  }

  private async joinLocked(input: RemoteJoin): Promise<{ result: SendResult; room: RoomWriterState }> {
    const { version, join } = input;
    const roomId = join.room_id;
    const slicer = new TimeSlicer(SLICE_MS);
    const byKey = await stateByKey(input.state, slicer);
    const stateLookup: StateLookup = (type, stateKey) => byKey.get(stateKeyOf(type, stateKey));
    const decision = checkAgainstState(join, stateLookup, version);
    if (!decision.ok) throw Errors.forbidden(`The join does not pass auth against the room state: ${decision.reason}`);
    const create = stateLookup('m.room.create', '');
    if (create === undefined) throw Errors.forbidden('The room state has no m.room.create event');

    const writer = this.ctx.hub.writer('events');
    const positions = new Map<string, number>();
    // The writer state after the join, made from what is written: reading back a large room's state would stall.
    const room: RoomWriterState = {
      roomId,
      version,
      state: new Map(),
      extremities: [{ eventId: join.event_id, depth: join.depth, ref: eventReference(join, version) }],
      stateGroup: undefined,
    };
    try {
      await this.ctx.db.transaction(async (tx) => {
        const outliers = await this.writeOutliers(roomId, [...input.authChain, ...input.state], version, [], tx);
        for (const [id, pos] of outliers.positions) {
          positions.set(id, pos);
          await slicer.pass();
        }
        // The state without its rejected events, and the local users' memberships in it.
        const ids: StateMap = new Map();
        const state: RoomEvent[] = [];
        const local: RoomEvent[] = [];
        for (const [key, e] of byKey) {
          if (outliers.results.get(e.event_id)?.outcome !== 'rejected') {
            ids.set(key, e.event_id);
            room.state.set(key, e);
            state.push(e);
            if (e.type === 'm.room.member' && e.state_key !== join.state_key && serverNameOf(e.state_key!) === this.ctx.config.server_name) local.push(e);
          }
          await slicer.pass();
        }
        const joinKey = stateKeyOf('m.room.member', join.state_key!);
        const before = ids.get(joinKey) ?? null;
        ids.set(joinKey, join.event_id);
        room.state.set(joinKey, join);
        const group = await new StateGroupStore(tx).storeLargeSnapshot(roomId, ids, this.statementRows());
        room.stateGroup = group;
        room.stateIds = ids;
        // A rejoin replaces whatever this server last knew of the room.
        await tx.query('DELETE FROM current_state_events WHERE room_id = $1', [roomId]);
        const { rows } = await tx.query<{ event_id: string }>('DELETE FROM event_forward_extremities WHERE room_id = $1 RETURNING event_id', [roomId]);
        // In chunks: one statement per chunk keeps each short (PGlite runs statements on this thread).
        const size = this.statementRows();
        for (let i = 0; i < state.length; i += size) await insertCurrentState(tx, state.slice(i, i + size));
        const batch: PersistBatch = {
          roomId,
          events: [{ event: join, json: wireJson(join, version), stateGroup: group, replacesState: before }],
          extremitiesRemoved: rows.map((r) => r.event_id),
          extremitiesAdded: [join.event_id],
          room: { version: version.id, creator: create.sender },
          currentState: [join],
          localMemberships: [...local, join],
        };
        const got = await writer.allocateWithin(() => persistBatches(tx, this.persistContext(), [batch]), (p) => p.values());
        for (const [id, pos] of got) positions.set(id, pos);
      });
    } catch (err) {
      writer.aborted([...positions.values()]);
      throw err;
    }
    // The join's row drops the room's cached state; the tens of thousands of outliers need none.
    this.publish(positions, [join]);
    return { result: { event: join, streamOrdering: positions.get(join.event_id)!, deduplicated: false }, room };
  }

  // ---- shared

  /** Settles every written position; announces rows for `announced` (what readers must show or invalidate). */
  private publish(positions: Map<string, number>, announced: RoomEvent[]): void {
    const rows = announced.map(streamRow);
    this.store.applyEventRows(rows);
    const written = [...positions.values()];
    // Events written earlier (outliers entering the current state) count at this write's last position.
    const last = written.reduce((a, b) => Math.max(a, b), 0);
    const own = written.length > 0 ? announced.map((e) => positions.get(e.event_id) ?? last) : undefined;
    this.ctx.hub.writer('events').publish(written, rows, own);
  }

  /** Rows per statement for a join's bulk writes: PGlite runs each statement on this thread, so it gets smaller ones. */
  private statementRows(): number {
    return this.ctx.db.kind === 'pglite' ? OUTLIER_CHUNK / 10 : OUTLIER_CHUNK;
  }

  private persistContext(): PersistContext {
    return { instanceName: this.ctx.instanceName, serverName: this.ctx.config.server_name, receivedTs: this.clock() };
  }
}

/** Which of the events are stored already (existence only, in chunks: a join brings tens of thousands). */
async function heldEventIds(q: Queryable, ids: readonly string[]): Promise<Set<string>> {
  const held = new Set<string>();
  for (let i = 0; i < ids.length; i += OUTLIER_CHUNK * 2) {
    const { rows } = await q.query<{ event_id: string }>('SELECT event_id FROM events WHERE event_id = ANY($1::text[])', [ids.slice(i, i + OUTLIER_CHUNK * 2)]);
    for (const r of rows) held.add(r.event_id);
  }
  return held;
}

/** The state events by state key (the last one of a key wins), built in slices: a large room's state is tens of thousands. */
async function stateByKey(events: readonly RoomEvent[], slicer: TimeSlicer): Promise<Map<StateKey, RoomEvent>> {
  const byKey = new Map<StateKey, RoomEvent>();
  for (const e of events) {
    if (e.state_key !== undefined) byKey.set(stateKeyOf(e.type, e.state_key), e);
    await slicer.pass();
  }
  return byKey;
}

/** An outlier's row, as checked (writeOutliers makes them per statement). */
function outlierRow(event: RoomEvent, version: RoomVersion, result: RemoteEventResult): PersistEvent {
  const row: PersistEvent = { event, json: wireJson(event, version), stateGroup: null, replacesState: null, outlier: true };
  if (result.outcome === 'rejected') row.rejectedReason = result.reason!;
  return row;
}

/** Current-state rows for state events already stored (a joined room's state). */
async function insertCurrentState(tx: Queryable, events: RoomEvent[]): Promise<void> {
  await tx.query(
    `INSERT INTO current_state_events (room_id, type, state_key, event_id, membership)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
     ON CONFLICT (room_id, type, state_key) DO UPDATE SET event_id = EXCLUDED.event_id, membership = EXCLUDED.membership`,
    [
      events.map((e) => e.room_id),
      events.map((e) => e.type),
      events.map((e) => e.state_key),
      events.map((e) => e.event_id),
      events.map((e) => (e.type === 'm.room.member' && typeof e.content['membership'] === 'string' ? e.content['membership'] : null)),
    ],
  );
}

/** Removes an outlier's rows so it can be written again with its place in the DAG (same transaction). */
async function deleteEventRows(tx: Queryable, eventIds: string[]): Promise<void> {
  for (const table of ['event_edges', 'event_auth', 'room_memberships', 'event_relations', 'redactions', 'events']) {
    await tx.query(`DELETE FROM ${table} WHERE event_id = ANY($1::text[])`, [eventIds]);
  }
}

/** The wire PDU as stored in events.json (event_id only where the version carries it; no unsigned except invite state). */
function wireJson(event: RoomEvent, version: RoomVersion): string {
  return canonicalJson(toFederationPdu(event, version), { strict: false });
}
