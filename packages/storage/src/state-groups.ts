import { splitStateKey, stateKeyOf, type StateKey, type StateMap } from '@lattice/core';
import type { Queryable } from './database.js';

/** Changes against a previous state: key → new event id, or null when the key is removed. */
export type StateDelta = Map<StateKey, string | null>;

export interface StateGroupStoreOptions {
  /** Longest chain of deltas before a snapshot is written instead (reads walk at most this many groups). */
  maxDeltaChain?: number;
}

const DEFAULT_MAX_DELTA_CHAIN = 50;

interface EntryRow {
  type: string;
  state_key: string;
  event_id: string;
}

/**
 * State groups (schema in migrations/0001_core.sql): each group is a full
 * snapshot, or a delta against a previous group with a bounded chain length.
 * Every write but storeLargeSnapshot is a single statement, so it is atomic
 * inside or outside a transaction.
 */
export class StateGroupStore {
  private readonly maxDeltaChain: number;

  constructor(
    private readonly db: Queryable,
    options: StateGroupStoreOptions = {},
  ) {
    this.maxDeltaChain = options.maxDeltaChain ?? DEFAULT_MAX_DELTA_CHAIN;
  }

  /** Stores the full state as a new snapshot group; returns its id. */
  storeSnapshot(roomId: string, state: StateMap): Promise<number> {
    return this.insertGroup(roomId, null, 0, state);
  }

  /**
   * storeSnapshot for a very large state (a joined room's tens of thousands of members):
   * the entries go in statements of `rowsPerStatement`, each short (PGlite runs statements
   * on the caller's thread, and one huge statement is one long stall). Several statements:
   * call it inside a transaction, or a failure can leave a group no event points to.
   */
  async storeLargeSnapshot(roomId: string, state: StateMap, rowsPerStatement: number): Promise<number> {
    const entries = [...state];
    const group = await this.insertGroup(roomId, null, 0, entries.slice(0, rowsPerStatement));
    for (let i = rowsPerStatement; i < entries.length; i += rowsPerStatement) {
      const { types, stateKeys, eventIds } = entryColumns(entries.slice(i, i + rowsPerStatement));
      await this.db.query(
        `INSERT INTO state_group_entries (state_group, type, state_key, event_id)
         SELECT $1::bigint, e.type, e.state_key, e.event_id FROM unnest($2::text[], $3::text[], $4::text[]) AS e (type, state_key, event_id)`,
        [group, types, stateKeys, eventIds],
      );
    }
    return group;
  }

  /**
   * Stores prevGroup's state with `delta` applied; returns the new group's id.
   * Written as a delta unless that would make the chain longer than
   * maxDeltaChain, in which case the full state is written as a snapshot.
   */
  async storeDelta(roomId: string, prevGroup: number, delta: StateDelta): Promise<number> {
    const { rows } = await this.db.query<{ delta_depth: number }>(
      'SELECT delta_depth FROM state_groups WHERE id = $1 AND room_id = $2',
      [prevGroup, roomId],
    );
    if (!rows[0]) throw new Error(`state group ${prevGroup} does not exist in ${roomId}`);
    const depth = rows[0].delta_depth + 1;
    if (depth <= this.maxDeltaChain) return this.insertGroup(roomId, prevGroup, depth, delta);
    const state = await this.getState(prevGroup);
    for (const [key, eventId] of delta) {
      if (eventId === null) state.delete(key);
      else state.set(key, eventId);
    }
    return this.storeSnapshot(roomId, state);
  }

  /** The full state of a group: its snapshot with every delta on the way applied. */
  async getState(group: number): Promise<StateMap> {
    const { rows } = await this.db.query<EntryRow>(
      `WITH RECURSIVE chain (id, prev_group, n) AS (
         SELECT id, prev_group, 0 FROM state_groups WHERE id = $1
         UNION ALL
         SELECT g.id, g.prev_group, c.n + 1 FROM state_groups g JOIN chain c ON g.id = c.prev_group
       )
       SELECT type, state_key, event_id FROM (
         SELECT DISTINCT ON (e.type, e.state_key) e.type, e.state_key, e.event_id
         FROM chain c JOIN state_group_entries e ON e.state_group = c.id
         ORDER BY e.type, e.state_key, c.n
       ) newest
       WHERE event_id IS NOT NULL`,
      [group],
    );
    if (rows.length === 0 && !(await this.exists(group))) throw new Error(`state group ${group} does not exist`);
    return new Map(rows.map((r) => [stateKeyOf(r.type, r.state_key), r.event_id]));
  }

  /** Records the state group holding the state after an event. */
  async setEventStateGroup(eventId: string, group: number): Promise<void> {
    await this.db.query('INSERT INTO event_to_state_groups (event_id, state_group) VALUES ($1, $2)', [eventId, group]);
  }

  async stateGroupForEvent(eventId: string): Promise<number | undefined> {
    const { rows } = await this.db.query<{ state_group: number }>(
      'SELECT state_group FROM event_to_state_groups WHERE event_id = $1',
      [eventId],
    );
    return rows[0]?.state_group;
  }

  private async exists(group: number): Promise<boolean> {
    return (await this.db.query('SELECT 1 FROM state_groups WHERE id = $1', [group])).rowCount > 0;
  }

  /** The group row and its entries in one statement (the entries' foreign key is checked at its end). */
  private async insertGroup(
    roomId: string,
    prevGroup: number | null,
    depth: number,
    entries: Iterable<readonly [StateKey, string | null]>,
  ): Promise<number> {
    const { types, stateKeys, eventIds } = entryColumns(entries);
    const { rows } = await this.db.query<{ id: number }>(
      `WITH grp AS (
         INSERT INTO state_groups (id, room_id, prev_group, delta_depth)
         VALUES (nextval('state_group_id_seq'), $1, $2, $3)
         RETURNING id
       ), entries AS (
         INSERT INTO state_group_entries (state_group, type, state_key, event_id)
         SELECT grp.id, e.type, e.state_key, e.event_id
         FROM grp, unnest($4::text[], $5::text[], $6::text[]) AS e (type, state_key, event_id)
       )
       SELECT id FROM grp`,
      [roomId, prevGroup, depth, types, stateKeys, eventIds],
    );
    return rows[0]!.id;
  }
}

/** State entries as the parallel arrays an unnest() insert takes. */
function entryColumns(entries: Iterable<readonly [StateKey, string | null]>): { types: string[]; stateKeys: string[]; eventIds: (string | null)[] } {
  const types: string[] = [];
  const stateKeys: string[] = [];
  const eventIds: (string | null)[] = [];
  for (const [key, eventId] of entries) {
    const [type, stateKey] = splitStateKey(key);
    types.push(type);
    stateKeys.push(stateKey);
    eventIds.push(eventId);
  }
  return { types, stateKeys, eventIds };
}
