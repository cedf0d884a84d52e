/**
 * Reads of rooms and events for the room endpoints, /messages and /sync.
 *
 * Caches: full events by id, current state (ids) per room, state groups (they
 * never change once written), room versions (they never change). Events-stream
 * rows invalidate them (applyEventRows, run by the replication hub before this
 * worker's position advances): a state event drops its room's current state, a
 * redaction drops its room's cached events. A load that raced with an
 * invalidation is returned but not cached (generation check).
 */
import { getRoomVersion, splitStateKey, stateKeyOf, type RoomVersion, type StateMap } from '@lattice/core';
import type { EventStreamRow } from '@lattice/replication';
import { StateGroupStore, type Database } from '@lattice/storage';
import type {
  MembershipChange,
  MembershipRecord,
  PaginationResult,
  RoomStoreApi,
  StoredEvent,
  TopologicalPosition,
} from './api.js';
import { selectEvents, selectRecentEventRows, storedEventFromRow, type EventWindow } from './event-rows.js';
import { Lru } from './lru.js';
import type { EventsReplication } from './replication-port.js';

/** Events a client may see in a timeline (not rejected, soft-failed or outliers). */
const VISIBLE = 'NOT e.outlier AND e.rejected_reason IS NULL AND NOT e.soft_failed';

export interface RoomStoreOptions {
  eventCacheSize?: number;
  stateCacheSize?: number;
}

export class RoomStore implements RoomStoreApi {
  private readonly events: Lru<string, StoredEvent>;
  private readonly states: Lru<string, StateMap>;
  private readonly groups = new Lru<number, StateMap>(1_000, 'state_groups');
  private readonly versions = new Lru<string, RoomVersion>(10_000, 'room_versions');
  private readonly groupStore: StateGroupStore;
  /** Bumped by every invalidation; loads that overlap one are not cached. */
  private generation = 0;
  private readonly unsubscribe: (() => void) | undefined;
  private readonly purgeListeners = new Set<(roomId: string) => void>();

  constructor(
    private readonly db: Database,
    hub?: EventsReplication,
    options: RoomStoreOptions = {},
  ) {
    this.events = new Lru(options.eventCacheSize ?? 50_000, 'events');
    this.states = new Lru(options.stateCacheSize ?? 2_000, 'room_state');
    this.groupStore = new StateGroupStore(db);
    this.unsubscribe = hub?.onUpdate('events', (update) => this.applyEventRows(update.rows));
  }

  close(): void {
    this.unsubscribe?.();
  }

  /** Cache invalidation for newly persisted events (idempotent). */
  applyEventRows(rows: readonly EventStreamRow[]): void {
    for (const row of rows) {
      if (row.state_key !== null) {
        this.states.delete(row.room_id);
        this.generation++;
      }
      if (row.type === 'm.room.redaction') {
        // The row does not say what it redacts: drop the room's events (redactions are rare).
        this.events.deleteWhere((e) => e.event.room_id === row.room_id);
        this.generation++;
      }
    }
  }

  /** Drops events from the cache whose stored row was rewritten (an outlier taken into the DAG). */
  forgetEvents(eventIds: readonly string[]): void {
    for (const id of eventIds) this.events.delete(id);
    this.generation++;
  }

  /** Drops everything cached about a room whose rows were deleted (admin purges), here and in onRoomPurged's listeners. */
  forgetRoomCaches(roomId: string): void {
    this.events.deleteWhere((e) => e.event.room_id === roomId);
    this.states.delete(roomId);
    this.versions.delete(roomId);
    this.generation++;
    for (const listener of this.purgeListeners) listener(roomId);
  }

  /** Other caches derived from a room's rows drop them too when a purge deleted some; returns the unsubscribe. */
  onRoomPurged(listener: (roomId: string) => void): () => void {
    this.purgeListeners.add(listener);
    return () => this.purgeListeners.delete(listener);
  }

  async roomVersion(roomId: string): Promise<RoomVersion | undefined> {
    const cached = this.versions.get(roomId);
    if (cached) return cached;
    const { rows } = await this.db.query<{ room_version: string }>('SELECT room_version FROM rooms WHERE room_id = $1', [roomId]);
    const version = rows[0] && getRoomVersion(rows[0].room_version);
    if (version) this.versions.set(roomId, version);
    return version;
  }

  async getEvent(eventId: string): Promise<StoredEvent | undefined> {
    return (await this.getEvents([eventId])).get(eventId);
  }

  async getEvents(eventIds: readonly string[]): Promise<Map<string, StoredEvent>> {
    const found = new Map<string, StoredEvent>();
    const missing: string[] = [];
    for (const id of eventIds) {
      const cached = this.events.get(id);
      if (cached) found.set(id, cached);
      else missing.push(id);
    }
    if (missing.length === 0) return found;
    const generation = this.generation;
    const loaded = await selectEvents(this.db, missing);
    const cache = generation === this.generation;
    for (const stored of loaded) {
      found.set(stored.event.event_id, stored);
      if (cache) this.events.set(stored.event.event_id, stored);
    }
    return found;
  }

  /**
   * The newest `limit` events of each window that a timeline may show (not
   * rejected, soft-failed or outliers), newest first; rooms without any are
   * absent. One statement reads the ids and the rows (a sync's timelines were
   * two round trips); rows already cached are not parsed again.
   */
  async recentEvents(windows: readonly EventWindow[], limit: number): Promise<Map<string, StoredEvent[]>> {
    const out = new Map<string, StoredEvent[]>();
    const generation = this.generation;
    const rows = await selectRecentEventRows(this.db, windows, limit);
    const cache = generation === this.generation;
    for (const row of rows) {
      let stored = this.events.get(row.event_id);
      if (!stored) {
        stored = storedEventFromRow(row);
        if (cache) this.events.set(row.event_id, stored);
      }
      let list = out.get(row.room_id);
      if (!list) out.set(row.room_id, (list = []));
      list.push(stored);
    }
    return out;
  }

  /** Events by id in the given order, skipping unknown ones. */
  private async eventsInOrder(eventIds: readonly string[]): Promise<StoredEvent[]> {
    const map = await this.getEvents(eventIds);
    return eventIds.flatMap((id) => map.get(id) ?? []);
  }

  async currentState(roomId: string): Promise<StateMap> {
    return new Map(await this.currentStateIds(roomId));
  }

  private async currentStateIds(roomId: string): Promise<StateMap> {
    const cached = this.states.get(roomId);
    if (cached) return cached;
    const generation = this.generation;
    const { rows } = await this.db.query<{ type: string; state_key: string; event_id: string }>(
      'SELECT type, state_key, event_id FROM current_state_events WHERE room_id = $1',
      [roomId],
    );
    const state: StateMap = new Map(rows.map((r) => [stateKeyOf(r.type, r.state_key), r.event_id]));
    if (generation === this.generation) this.states.set(roomId, state);
    return state;
  }

  async currentStateEvent(roomId: string, type: string, stateKey: string): Promise<StoredEvent | undefined> {
    const id = (await this.currentStateIds(roomId)).get(stateKeyOf(type, stateKey));
    return id === undefined ? undefined : this.getEvent(id);
  }

  async currentStateEvents(roomId: string, filter?: { types?: string[] }): Promise<StoredEvent[]> {
    const state = await this.currentStateIds(roomId);
    const types = filter?.types && new Set(filter.types);
    const ids: string[] = [];
    for (const [key, id] of state) if (!types || types.has(splitStateKey(key)[0])) ids.push(id);
    return this.eventsInOrder(ids);
  }

  async stateAfterEvent(eventId: string): Promise<StateMap> {
    const group = await this.groupStore.stateGroupForEvent(eventId);
    if (group === undefined) throw new Error(`no state is stored for event ${eventId}`);
    let state = this.groups.get(group);
    if (!state) {
      state = await this.groupStore.getState(group);
      this.groups.set(group, state);
    }
    return new Map(state);
  }

  async stateBeforeEvent(eventId: string): Promise<StateMap> {
    const [after, stored] = await Promise.all([this.stateAfterEvent(eventId), this.getEvent(eventId)]);
    const event = stored?.event;
    if (event?.state_key === undefined) return after;
    const key = stateKeyOf(event.type, event.state_key);
    const { rows } = await this.db.query<{ replaces_state: string | null }>(
      'SELECT replaces_state FROM events WHERE event_id = $1',
      [eventId],
    );
    const replaced = rows[0]?.replaces_state ?? null;
    if (replaced === null) after.delete(key);
    else after.set(key, replaced);
    return after;
  }

  async membership(roomId: string, userId: string): Promise<MembershipRecord | undefined> {
    const { rows } = await this.db.query<{ event_id: string; membership: string; stream_ordering: number; forgotten: boolean }>(
      `SELECT c.event_id, c.membership, e.stream_ordering, f.user_id IS NOT NULL AS forgotten FROM current_state_events c
       JOIN events e ON e.event_id = c.event_id
       LEFT JOIN forgotten_rooms f ON f.user_id = $2 AND f.room_id = $1 AND f.membership_event_id = c.event_id
       WHERE c.room_id = $1 AND c.type = 'm.room.member' AND c.state_key = $2`,
      [roomId, userId],
    );
    const r = rows[0];
    return r && { roomId, membership: r.membership, eventId: r.event_id, streamOrdering: r.stream_ordering, forgotten: r.forgotten };
  }

  async joinedMembers(roomId: string): Promise<Map<string, { displayname?: string; avatar_url?: string }>> {
    const { rows } = await this.db.query<{ user_id: string; display_name: string | null; avatar_url: string | null }>(
      `SELECT c.state_key AS user_id, m.display_name, m.avatar_url FROM current_state_events c
       JOIN room_memberships m ON m.event_id = c.event_id
       WHERE c.room_id = $1 AND c.type = 'm.room.member' AND c.membership = 'join'`,
      [roomId],
    );
    const members = new Map<string, { displayname?: string; avatar_url?: string }>();
    for (const r of rows) {
      const profile: { displayname?: string; avatar_url?: string } = {};
      if (r.display_name !== null) profile.displayname = r.display_name;
      if (r.avatar_url !== null) profile.avatar_url = r.avatar_url;
      members.set(r.user_id, profile);
    }
    return members;
  }

  async roomsForUser(userId: string, memberships?: string[]): Promise<MembershipRecord[]> {
    const { rows } = await this.db.query<{ room_id: string; membership: string; event_id: string; stream_ordering: number; forgotten: boolean }>(
      `SELECT m.room_id, m.membership, m.event_id, m.stream_ordering, f.user_id IS NOT NULL AS forgotten
       FROM local_current_membership m
       LEFT JOIN forgotten_rooms f ON f.user_id = m.user_id AND f.room_id = m.room_id AND f.membership_event_id = m.event_id
       WHERE m.user_id = $1 AND ($2::text[] IS NULL OR m.membership = ANY($2::text[]))
       ORDER BY m.stream_ordering`,
      [userId, memberships ?? null],
    );
    return rows.map((r) => ({
      roomId: r.room_id,
      membership: r.membership,
      eventId: r.event_id,
      streamOrdering: r.stream_ordering,
      forgotten: r.forgotten,
    }));
  }

  async membershipChangesForUser(userId: string, fromStream: number, toStream: number): Promise<MembershipChange[]> {
    const { rows } = await this.db.query<{
      room_id: string;
      membership: string;
      event_id: string;
      stream_ordering: number;
      sender: string;
    }>(
      `SELECT m.room_id, m.membership, m.event_id, m.stream_ordering, m.sender FROM room_memberships m
       JOIN events e ON e.event_id = m.event_id
       WHERE m.user_id = $1 AND m.stream_ordering > $2 AND m.stream_ordering <= $3
         AND e.rejected_reason IS NULL AND NOT e.soft_failed
       ORDER BY m.stream_ordering`,
      [userId, fromStream, toStream],
    );
    return rows.map((r) => ({
      roomId: r.room_id,
      membership: r.membership,
      eventId: r.event_id,
      streamOrdering: r.stream_ordering,
      sender: r.sender,
    }));
  }

  async roomEventsBetween(
    roomId: string,
    fromStreamExclusive: number,
    toStreamInclusive: number,
    limit: number,
    order: 'asc' | 'desc',
  ): Promise<StoredEvent[]> {
    const { rows } = await this.db.query<{ event_id: string }>(
      `SELECT e.event_id FROM events e
       WHERE e.room_id = $1 AND e.stream_ordering > $2 AND e.stream_ordering <= $3 AND ${VISIBLE}
       ORDER BY e.stream_ordering ${order === 'asc' ? 'ASC' : 'DESC'} LIMIT $4`,
      [roomId, fromStreamExclusive, toStreamInclusive, limit],
    );
    return this.eventsInOrder(rows.map((r) => r.event_id));
  }

  async roomsWithEventsBetween(roomIds: readonly string[], fromExclusive: number, toInclusive: number): Promise<Set<string>> {
    if (roomIds.length === 0 || toInclusive <= fromExclusive) return new Set();
    const { rows } = await this.db.query<{ room_id: string }>(
      `SELECT r.room_id FROM unnest($1::text[]) AS r (room_id)
       WHERE EXISTS (SELECT 1 FROM events e WHERE e.room_id = r.room_id
                     AND e.stream_ordering > $2 AND e.stream_ordering <= $3 AND ${VISIBLE})`,
      [roomIds, fromExclusive, toInclusive],
    );
    return new Set(rows.map((r) => r.room_id));
  }

  /**
   * Positions name the gap after the event at (topological, stream). Backwards
   * returns the events at or before `from`, newest first; forwards the events
   * after it, oldest first. `to` bounds the page the same way (exclusive of the
   * event at `to` going backwards, inclusive going forwards).
   */
  async paginate(
    roomId: string,
    from: TopologicalPosition,
    dir: 'b' | 'f',
    limit: number,
    to?: TopologicalPosition,
  ): Promise<PaginationResult> {
    const params: unknown[] = [roomId, limit];
    const bound = (pos: TopologicalPosition, op: string): string => {
      if (pos.topological === undefined) {
        params.push(pos.stream);
        return `e.stream_ordering ${op} $${params.length}`;
      }
      params.push(pos.topological, pos.stream);
      return `(e.topological_ordering, e.stream_ordering) ${op} ($${params.length - 1}, $${params.length})`;
    };
    const backwards = dir === 'b';
    const conditions = [bound(from, backwards ? '<=' : '>')];
    if (to) conditions.push(bound(to, backwards ? '>' : '<='));
    const order = backwards ? 'DESC' : 'ASC';
    const { rows } = await this.db.query<{ event_id: string; topological_ordering: number; stream_ordering: number }>(
      `SELECT e.event_id, e.topological_ordering, e.stream_ordering FROM events e
       WHERE e.room_id = $1 AND ${conditions.join(' AND ')} AND ${VISIBLE}
       ORDER BY e.topological_ordering ${order}, e.stream_ordering ${order} LIMIT $2`,
      params,
    );
    const events = await this.eventsInOrder(rows.map((r) => r.event_id));
    const last = rows[rows.length - 1];
    const result: PaginationResult = { events };
    if (last && rows.length >= limit) {
      result.next = backwards
        ? { topological: last.topological_ordering, stream: last.stream_ordering - 1 }
        : { topological: last.topological_ordering, stream: last.stream_ordering };
    }
    return result;
  }

  async forgetRoom(userId: string, roomId: string, membershipEventId: string): Promise<void> {
    await this.db.query(
      `INSERT INTO forgotten_rooms (user_id, room_id, membership_event_id) VALUES ($1, $2, $3)
       ON CONFLICT (user_id, room_id) DO UPDATE SET membership_event_id = EXCLUDED.membership_event_id`,
      [userId, roomId, membershipEventId],
    );
  }

  async eventByTxn(userId: string, deviceId: string, txnId: string): Promise<string | undefined> {
    const { rows } = await this.db.query<{ event_id: string }>(
      'SELECT event_id FROM event_txn_ids WHERE user_id = $1 AND device_id = $2 AND txn_id = $3',
      [userId, deviceId, txnId],
    );
    return rows[0]?.event_id;
  }

  async relations(
    eventId: string,
    opts: { relType?: string; eventType?: string; limit?: number; fromStream?: number; dir?: 'b' | 'f' } = {},
  ): Promise<StoredEvent[]> {
    const backwards = (opts.dir ?? 'b') === 'b';
    const { rows } = await this.db.query<{ event_id: string }>(
      `SELECT e.event_id FROM event_relations r JOIN events e ON e.event_id = r.event_id
       WHERE r.relates_to_id = $1 AND ($2::text IS NULL OR r.rel_type = $2) AND ($3::text IS NULL OR e.type = $3)
         AND ($4::bigint IS NULL OR e.stream_ordering ${backwards ? '<' : '>'} $4) AND ${VISIBLE}
       ORDER BY e.stream_ordering ${backwards ? 'DESC' : 'ASC'} LIMIT $5`,
      [eventId, opts.relType ?? null, opts.eventType ?? null, opts.fromStream ?? null, opts.limit ?? 50],
    );
    return this.eventsInOrder(rows.map((r) => r.event_id));
  }
}
