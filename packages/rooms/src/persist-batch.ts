/**
 * Writes a batch of accepted events of one room in ONE statement: a chain of
 * data-modifying CTEs fed by unnest() arrays, so a message costs one round trip
 * whatever it touches (events, edges, auth, state group link, extremities,
 * current state, memberships, redactions, relations, txn id, rooms row). Only
 * the parts a batch needs are included, which keeps planning cheap.
 */
import { prevEventIds, authEventIds, serverNameOf, stateKeyOf, type RoomEvent } from '@lattice/core';
import type { Queryable } from '@lattice/storage';
import type { TxnKey } from './api.js';
import { relationOf } from './relations.js';

export interface PersistEvent {
  event: RoomEvent;
  /** Canonical wire JSON. */
  json: string;
  streamOrdering: number;
  /** The state group holding the state after the event. */
  stateGroup: number;
  /** For a state event: the current state event it replaces. */
  replacesState: string | null;
  /** For a redaction that takes effect: the redacted event. */
  appliesRedactionTo?: string;
}

export interface PersistBatch {
  roomId: string;
  instanceName: string;
  /** This server's name: memberships of its users go to local_current_membership. */
  serverName: string;
  receivedTs: number;
  /** Ordered: each event may cite earlier ones of the batch. */
  events: PersistEvent[];
  /** Extremities the batch's events cite (no longer tips). */
  extremitiesRemoved: string[];
  extremitiesAdded: string[];
  /** Present when the batch creates the room. */
  room?: { version: string; creator: string };
  txn?: TxnKey & { eventId: string };
}

class Statement {
  readonly params: unknown[] = [];
  private readonly ctes: string[] = [];

  p(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  cte(sql: string): void {
    this.ctes.push(`w${this.ctes.length} AS (${sql})`);
  }

  get sql(): string {
    return `WITH ${this.ctes.join(',\n')} SELECT 1`;
  }
}

function stringOrNull(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

export async function persistBatch(tx: Queryable, batch: PersistBatch): Promise<void> {
  const s = new Statement();
  const room = `${s.p(batch.roomId)}::text`;
  const evs = batch.events;

  s.cte(
    `INSERT INTO events (event_id, room_id, stream_ordering, topological_ordering, type, state_key, sender,
       origin_server_ts, received_ts, json, instance_name, replaces_state)
     SELECT e.id, ${room}, e.so, e.depth, e.type, e.sk, e.sender, e.ts, ${s.p(batch.receivedTs)}, e.json,
       ${s.p(batch.instanceName)}, e.rs
     FROM unnest(${s.p(evs.map((e) => e.event.event_id))}::text[], ${s.p(evs.map((e) => e.streamOrdering))}::bigint[],
       ${s.p(evs.map((e) => e.event.depth))}::bigint[], ${s.p(evs.map((e) => e.event.type))}::text[],
       ${s.p(evs.map((e) => e.event.state_key ?? null))}::text[], ${s.p(evs.map((e) => e.event.sender))}::text[],
       ${s.p(evs.map((e) => e.event.origin_server_ts))}::bigint[], ${s.p(evs.map((e) => e.json))}::text[],
       ${s.p(evs.map((e) => e.replacesState))}::text[]) AS e (id, so, depth, type, sk, sender, ts, json, rs)`,
  );
  s.cte(
    `INSERT INTO event_to_state_groups (event_id, state_group)
     SELECT * FROM unnest(${s.p(evs.map((e) => e.event.event_id))}::text[], ${s.p(evs.map((e) => e.stateGroup))}::bigint[])`,
  );

  const edges = pairs(evs, (e) => prevEventIds(e.event));
  if (edges[0].length > 0) {
    s.cte(`INSERT INTO event_edges (event_id, prev_event_id) SELECT * FROM unnest(${s.p(edges[0])}::text[], ${s.p(edges[1])}::text[])`);
  }
  const auth = pairs(evs, (e) => authEventIds(e.event));
  if (auth[0].length > 0) {
    s.cte(`INSERT INTO event_auth (event_id, auth_id) SELECT * FROM unnest(${s.p(auth[0])}::text[], ${s.p(auth[1])}::text[])`);
  }

  if (batch.extremitiesRemoved.length > 0) {
    s.cte(`DELETE FROM event_forward_extremities WHERE room_id = ${room} AND event_id = ANY(${s.p(batch.extremitiesRemoved)}::text[])`);
  }
  s.cte(
    `INSERT INTO event_forward_extremities (room_id, event_id) SELECT ${room}, unnest(${s.p(batch.extremitiesAdded)}::text[])
     ON CONFLICT DO NOTHING`,
  );

  addStateWrites(s, room, batch);
  addRedactionWrites(s, batch);
  addRelationWrites(s, evs);

  if (batch.room) {
    s.cte(
      `INSERT INTO rooms (room_id, room_version, creator, created_ts)
       VALUES (${room}, ${s.p(batch.room.version)}, ${s.p(batch.room.creator)}, ${s.p(batch.receivedTs)})`,
    );
  }
  if (batch.txn) {
    const t = batch.txn;
    s.cte(
      `INSERT INTO event_txn_ids (user_id, device_id, txn_id, event_id, room_id, inserted_ts)
       VALUES (${s.p(t.userId)}, ${s.p(t.deviceId)}, ${s.p(t.txnId)}, ${s.p(t.eventId)}, ${room}, ${s.p(batch.receivedTs)})`,
    );
  }
  await tx.query(s.sql, s.params);
}

/** Flattens (event id, referenced id) pairs into two parallel arrays. */
function pairs(evs: PersistEvent[], refs: (e: PersistEvent) => string[]): [string[], string[]] {
  const from: string[] = [];
  const to: string[] = [];
  for (const e of evs) {
    for (const id of refs(e)) {
      from.push(e.event.event_id);
      to.push(id);
    }
  }
  return [from, to];
}

function addStateWrites(s: Statement, room: string, batch: PersistBatch): void {
  // Current state: the last event of the batch for each key wins.
  const current = new Map<string, RoomEvent>();
  const members: PersistEvent[] = [];
  const local = new Map<string, PersistEvent>();
  for (const e of batch.events) {
    const ev = e.event;
    if (ev.state_key === undefined) continue;
    current.set(stateKeyOf(ev.type, ev.state_key), ev);
    if (ev.type === 'm.room.member') {
      members.push(e);
      if (serverNameOf(ev.state_key) === batch.serverName) local.set(ev.state_key, e);
    }
  }
  if (current.size > 0) {
    const cs = [...current.values()];
    s.cte(
      `INSERT INTO current_state_events (room_id, type, state_key, event_id, membership)
       SELECT ${room}, * FROM unnest(${s.p(cs.map((e) => e.type))}::text[], ${s.p(cs.map((e) => e.state_key))}::text[],
         ${s.p(cs.map((e) => e.event_id))}::text[], ${s.p(cs.map((e) => (e.type === 'm.room.member' ? membershipOf(e) : null)))}::text[])
       ON CONFLICT (room_id, type, state_key) DO UPDATE SET event_id = EXCLUDED.event_id, membership = EXCLUDED.membership`,
    );
  }
  if (members.length > 0) {
    s.cte(
      `INSERT INTO room_memberships (event_id, user_id, sender, room_id, membership, stream_ordering, display_name, avatar_url)
       SELECT m.id, m.uid, m.sender, ${room}, m.ms, m.so, m.dn, m.av
       FROM unnest(${s.p(members.map((e) => e.event.event_id))}::text[], ${s.p(members.map((e) => e.event.state_key))}::text[],
         ${s.p(members.map((e) => e.event.sender))}::text[], ${s.p(members.map((e) => membershipOf(e.event)))}::text[],
         ${s.p(members.map((e) => e.streamOrdering))}::bigint[],
         ${s.p(members.map((e) => stringOrNull(e.event.content['displayname'])))}::text[],
         ${s.p(members.map((e) => stringOrNull(e.event.content['avatar_url'])))}::text[]) AS m (id, uid, sender, ms, so, dn, av)`,
    );
  }
  if (local.size > 0) {
    const lm = [...local.values()];
    s.cte(
      `INSERT INTO local_current_membership (user_id, room_id, event_id, membership, stream_ordering)
       SELECT m.uid, ${room}, m.id, m.ms, m.so
       FROM unnest(${s.p(lm.map((e) => e.event.state_key))}::text[], ${s.p(lm.map((e) => e.event.event_id))}::text[],
         ${s.p(lm.map((e) => membershipOf(e.event)))}::text[], ${s.p(lm.map((e) => e.streamOrdering))}::bigint[]) AS m (uid, id, ms, so)
       ON CONFLICT (user_id, room_id) DO UPDATE
         SET event_id = EXCLUDED.event_id, membership = EXCLUDED.membership, stream_ordering = EXCLUDED.stream_ordering`,
    );
  }
}

function membershipOf(event: RoomEvent): string {
  const m = event.content['membership'];
  return typeof m === 'string' ? m : '';
}

function addRedactionWrites(s: Statement, batch: PersistBatch): void {
  const redactions = batch.events.filter((e) => e.event.type === 'm.room.redaction');
  const ids: string[] = [];
  const targets: string[] = [];
  for (const e of redactions) {
    const target = e.event.redacts ?? e.event.content['redacts'];
    if (typeof target !== 'string') continue;
    ids.push(e.event.event_id);
    targets.push(target);
  }
  if (ids.length > 0) {
    s.cte(
      `INSERT INTO redactions (event_id, redacts, received_ts)
       SELECT *, ${s.p(batch.receivedTs)}::bigint FROM unnest(${s.p(ids)}::text[], ${s.p(targets)}::text[])`,
    );
  }
  const applied = redactions.flatMap((e) => (e.appliesRedactionTo === undefined ? [] : [e.appliesRedactionTo]));
  if (applied.length > 0) {
    const p = s.p(applied);
    s.cte(`UPDATE events SET redacted = TRUE WHERE event_id = ANY(${p}::text[])`);
    // A redacted event's content is gone, so is the relation it declared.
    s.cte(`DELETE FROM event_relations WHERE event_id = ANY(${p}::text[])`);
  }
}

function addRelationWrites(s: Statement, evs: PersistEvent[]): void {
  const rels = evs.flatMap((e) => {
    const rel = relationOf(e.event.content);
    return rel === undefined ? [] : [{ id: e.event.event_id, ...rel }];
  });
  if (rels.length === 0) return;
  s.cte(
    `INSERT INTO event_relations (event_id, relates_to_id, rel_type, aggregation_key)
     SELECT * FROM unnest(${s.p(rels.map((r) => r.id))}::text[], ${s.p(rels.map((r) => r.relatesTo))}::text[],
       ${s.p(rels.map((r) => r.relType))}::text[], ${s.p(rels.map((r) => r.aggregationKey))}::text[])`,
  );
}
