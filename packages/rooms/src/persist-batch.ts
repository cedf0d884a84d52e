/**
 * Writes batches of accepted events, of one room or of several (group commit),
 * in ONE statement: a chain of data-modifying CTEs fed by unnest() arrays, so
 * a batch costs one round trip whatever it touches (events, edges, auth, state
 * group link, extremities, current state, memberships, redactions, relations,
 * txn ids, rooms rows). The events' stream positions come from nextval() in the
 * same statement, in batch order. Only the parts a batch needs are included,
 * which keeps planning cheap.
 */
import { prevEventIds, authEventIds, eventsPersisted, persistBatchDuration, persistFailures, serverNameOf, stateKeyOf, type RoomEvent } from '@lattice/core';
import type { Queryable } from '@lattice/storage';
import type { TxnKey } from './api.js';
import { relationOf } from './relations.js';

/** The events stream's sequence (migrations/0001_core.sql, stream_<name>_seq). */
const EVENTS_SEQUENCE = 'stream_events_seq';
/** Positions of backfilled history, counting down from -1 (migrations/0029_backfill.sql). */
export const BACKFILL_SEQUENCE = 'backfill_stream_seq';

export interface PersistEvent {
  event: RoomEvent;
  /** Canonical wire JSON. */
  json: string;
  /** The state group holding the state after the event; null for an outlier (no state known). */
  stateGroup: number | null;
  /** Received over federation without its state (e.g. a member of an auth chain, a remote invite). */
  outlier?: boolean;
  /** Failed the auth checks on receipt: kept (other events may cite it) but never state or timeline. */
  rejectedReason?: string;
  /** Passed auth against its own state but not against the current state: kept out of timelines and state. */
  softFailed?: boolean;
  /** For a state event: the current state event it replaces. */
  replacesState: string | null;
  /** For a redaction that takes effect: the redacted event. */
  appliesRedactionTo?: string;
}

/** One room's share of a write. A statement holds at most one batch per room. */
export interface PersistBatch {
  roomId: string;
  /** Ordered: each event may cite earlier ones of the batch. */
  events: PersistEvent[];
  /** Extremities the batch's events cite (no longer tips). */
  extremitiesRemoved: string[];
  extremitiesAdded: string[];
  /** Present when the batch creates the room. */
  room?: { version: string; creator: string };
  txn?: TxnKey & { eventId: string };
  /**
   * Remote events: the current-state entries that change (state resolution decides, not event
   * order), replacing the default of "every state event of the batch becomes current".
   */
  currentState?: RoomEvent[];
  /** Remote events: the local users' memberships that change (default: from the current-state changes). */
  localMemberships?: RoomEvent[];
}

/** What every batch of a statement shares. */
export interface PersistContext {
  instanceName: string;
  /** This server's name: memberships of its users go to local_current_membership. */
  serverName: string;
  receivedTs: number;
  /** Where stream positions come from; default the events stream's sequence (backfill counts down from -1). */
  sequence?: string;
}

class Statement {
  readonly params: unknown[] = [];
  private readonly ctes: string[] = [];

  p(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  /**
   * A text[] sent as one JSON array: node-postgres escapes each element of an array
   * parameter with regular expressions, which for the events' JSON (quotes throughout)
   * costs more than the rest of the statement; JSON.stringify does the same in native code.
   */
  textArrayAsJson(values: readonly string[]): string {
    return `ARRAY(SELECT j.v FROM json_array_elements_text(${this.p(JSON.stringify(values))}::json) WITH ORDINALITY AS j (v, n) ORDER BY j.n)`;
  }

  cte(sql: string): void {
    this.ctes.push(`w${this.ctes.length} AS (${sql})`);
  }

  /** The first CTE inserts the events and returns their positions. */
  get sql(): string {
    return `WITH ${this.ctes.join(',\n')} SELECT event_id, stream_ordering FROM w0`;
  }
}

function stringOrNull(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/**
 * Writes the batches and resolves with each event's stream position. On its
 * own (outside a transaction) the statement commits atomically; positions of
 * a statement that fails are gaps.
 */
export async function persistBatches(tx: Queryable, ctx: PersistContext, batches: readonly PersistBatch[]): Promise<Map<string, number>> {
  const endTimer = persistBatchDuration.startTimer();
  try {
    const positions = await writeBatches(tx, ctx, batches);
    eventsPersisted.inc(positions.size);
    return positions;
  } catch (err) {
    persistFailures.inc();
    throw err;
  } finally {
    endTimer();
  }
}

async function writeBatches(tx: Queryable, ctx: PersistContext, batches: readonly PersistBatch[]): Promise<Map<string, number>> {
  const s = new Statement();
  const evs = batches.flatMap((b) => b.events);
  const ts = `${s.p(ctx.receivedTs)}::bigint`;

  // ORDER BY the ordinality: nextval() in the select list runs after the sort, so positions follow batch order.
  s.cte(
    `INSERT INTO events (event_id, room_id, stream_ordering, topological_ordering, type, state_key, sender,
       origin_server_ts, received_ts, json, instance_name, replaces_state, outlier, rejected_reason, soft_failed)
     SELECT e.id, e.room, nextval('${ctx.sequence ?? EVENTS_SEQUENCE}'), e.depth, e.type, e.sk, e.sender, e.ts, ${ts}, e.json,
       ${s.p(ctx.instanceName)}, e.rs, e.outlier, e.rejected, e.soft
     FROM unnest(${s.p(evs.map((e) => e.event.event_id))}::text[], ${s.p(evs.map((e) => e.event.room_id))}::text[],
       ${s.p(evs.map((e) => e.event.depth))}::bigint[], ${s.p(evs.map((e) => e.event.type))}::text[],
       ${s.p(evs.map((e) => e.event.state_key ?? null))}::text[], ${s.p(evs.map((e) => e.event.sender))}::text[],
       ${s.p(evs.map((e) => e.event.origin_server_ts))}::bigint[], ${s.textArrayAsJson(evs.map((e) => e.json))},
       ${s.p(evs.map((e) => e.replacesState))}::text[], ${s.p(evs.map((e) => e.outlier === true))}::boolean[],
       ${s.p(evs.map((e) => e.rejectedReason ?? null))}::text[], ${s.p(evs.map((e) => e.softFailed === true))}::boolean[])
       WITH ORDINALITY AS e (id, room, depth, type, sk, sender, ts, json, rs, outlier, rejected, soft, ord)
     ORDER BY e.ord
     RETURNING event_id, stream_ordering`,
  );
  const withState = evs.filter((e) => e.stateGroup !== null);
  if (withState.length > 0) {
    s.cte(
      `INSERT INTO event_to_state_groups (event_id, state_group)
       SELECT * FROM unnest(${s.p(withState.map((e) => e.event.event_id))}::text[], ${s.p(withState.map((e) => e.stateGroup))}::bigint[])`,
    );
  }

  const edges = pairs(evs, (e) => prevEventIds(e.event));
  if (edges[0].length > 0) {
    s.cte(`INSERT INTO event_edges (event_id, prev_event_id) SELECT * FROM unnest(${s.p(edges[0])}::text[], ${s.p(edges[1])}::text[])`);
  }
  const auth = pairs(evs, (e) => authEventIds(e.event));
  if (auth[0].length > 0) {
    s.cte(`INSERT INTO event_auth (event_id, auth_id) SELECT * FROM unnest(${s.p(auth[0])}::text[], ${s.p(auth[1])}::text[])`);
  }

  addExtremityWrites(s, batches);
  addStateWrites(s, ctx, batches);
  addRedactionWrites(s, ts, evs);
  addRelationWrites(s, evs);

  const created = batches.filter((b) => b.room !== undefined);
  if (created.length > 0) {
    s.cte(
      `INSERT INTO rooms (room_id, room_version, creator, created_ts)
       SELECT *, ${ts} FROM unnest(${s.p(created.map((b) => b.roomId))}::text[],
         ${s.p(created.map((b) => b.room!.version))}::text[], ${s.p(created.map((b) => b.room!.creator))}::text[])
       ON CONFLICT (room_id) DO NOTHING`,
    );
  }
  const txns = batches.flatMap((b) => (b.txn ? [{ ...b.txn, roomId: b.roomId }] : []));
  if (txns.length > 0) {
    s.cte(
      `INSERT INTO event_txn_ids (user_id, device_id, txn_id, event_id, room_id, inserted_ts)
       SELECT *, ${ts} FROM unnest(${s.p(txns.map((t) => t.userId))}::text[], ${s.p(txns.map((t) => t.deviceId))}::text[],
         ${s.p(txns.map((t) => t.txnId))}::text[], ${s.p(txns.map((t) => t.eventId))}::text[], ${s.p(txns.map((t) => t.roomId))}::text[])`,
    );
  }
  const { rows } = await tx.query<{ event_id: string; stream_ordering: number }>(s.sql, s.params);
  return new Map(rows.map((r) => [r.event_id, r.stream_ordering]));
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

function addExtremityWrites(s: Statement, batches: readonly PersistBatch[]): void {
  const removed = batches.flatMap((b) => b.extremitiesRemoved.map((id) => [b.roomId, id] as const));
  if (removed.length > 0) {
    s.cte(
      `DELETE FROM event_forward_extremities f
       USING unnest(${s.p(removed.map((r) => r[0]))}::text[], ${s.p(removed.map((r) => r[1]))}::text[]) AS x (room, id)
       WHERE f.room_id = x.room AND f.event_id = x.id`,
    );
  }
  const added = batches.flatMap((b) => b.extremitiesAdded.map((id) => [b.roomId, id] as const));
  s.cte(
    `INSERT INTO event_forward_extremities (room_id, event_id)
     SELECT * FROM unnest(${s.p(added.map((a) => a[0]))}::text[], ${s.p(added.map((a) => a[1]))}::text[])
     ON CONFLICT DO NOTHING`,
  );
}

function addStateWrites(s: Statement, ctx: PersistContext, batches: readonly PersistBatch[]): void {
  // Current state: the last event of a room's batch for each key wins (unless the batch says otherwise).
  const current = new Map<string, RoomEvent>();
  const members: PersistEvent[] = [];
  const local = new Map<string, RoomEvent>();
  for (const batch of batches) {
    for (const e of batch.events) {
      if (e.event.type === 'm.room.member' && e.event.state_key !== undefined && e.rejectedReason === undefined) members.push(e);
    }
    const changes = batch.currentState ?? batch.events.flatMap((e) => (e.event.state_key === undefined ? [] : [e.event]));
    for (const ev of changes) {
      current.set(`${ev.room_id}|${stateKeyOf(ev.type, ev.state_key!)}`, ev);
      if (batch.localMemberships === undefined && ev.type === 'm.room.member' && serverNameOf(ev.state_key!) === ctx.serverName) {
        local.set(`${ev.room_id}|${ev.state_key}`, ev);
      }
    }
    for (const ev of batch.localMemberships ?? []) local.set(`${ev.room_id}|${ev.state_key}`, ev);
  }
  if (current.size > 0) {
    const cs = [...current.values()];
    s.cte(
      `INSERT INTO current_state_events (room_id, type, state_key, event_id, membership)
       SELECT * FROM unnest(${s.p(cs.map((e) => e.room_id))}::text[], ${s.p(cs.map((e) => e.type))}::text[], ${s.p(cs.map((e) => e.state_key))}::text[],
         ${s.p(cs.map((e) => e.event_id))}::text[], ${s.p(cs.map((e) => (e.type === 'm.room.member' ? membershipOf(e) : null)))}::text[])
       ON CONFLICT (room_id, type, state_key) DO UPDATE SET event_id = EXCLUDED.event_id, membership = EXCLUDED.membership`,
    );
  }
  if (members.length > 0) {
    s.cte(
      `INSERT INTO room_memberships (event_id, user_id, sender, room_id, membership, stream_ordering, display_name, avatar_url)
       SELECT m.id, m.uid, m.sender, m.room, m.ms, w0.stream_ordering, m.dn, m.av
       FROM unnest(${s.p(members.map((e) => e.event.event_id))}::text[], ${s.p(members.map((e) => e.event.state_key))}::text[],
         ${s.p(members.map((e) => e.event.sender))}::text[], ${s.p(members.map((e) => e.event.room_id))}::text[],
         ${s.p(members.map((e) => membershipOf(e.event)))}::text[],
         ${s.p(members.map((e) => stringOrNull(e.event.content['displayname'])))}::text[],
         ${s.p(members.map((e) => stringOrNull(e.event.content['avatar_url'])))}::text[]) AS m (id, uid, sender, room, ms, dn, av)
       JOIN w0 ON w0.event_id = m.id`,
    );
  }
  if (local.size > 0) {
    const lm = [...local.values()];
    // The event may be one of this statement's (w0) or already stored (state resolution brought it back).
    s.cte(
      `INSERT INTO local_current_membership (user_id, room_id, event_id, membership, stream_ordering)
       SELECT m.uid, m.room, m.id, m.ms, COALESCE(w0.stream_ordering, ev.stream_ordering)
       FROM unnest(${s.p(lm.map((e) => e.state_key))}::text[], ${s.p(lm.map((e) => e.room_id))}::text[],
         ${s.p(lm.map((e) => e.event_id))}::text[], ${s.p(lm.map((e) => membershipOf(e)))}::text[]) AS m (uid, room, id, ms)
       LEFT JOIN w0 ON w0.event_id = m.id
       LEFT JOIN events ev ON ev.event_id = m.id
       WHERE COALESCE(w0.stream_ordering, ev.stream_ordering) IS NOT NULL
       ON CONFLICT (user_id, room_id) DO UPDATE
         SET event_id = EXCLUDED.event_id, membership = EXCLUDED.membership, stream_ordering = EXCLUDED.stream_ordering`,
    );
  }
}

function membershipOf(event: RoomEvent): string {
  const m = event.content['membership'];
  return typeof m === 'string' ? m : '';
}

function addRedactionWrites(s: Statement, ts: string, evs: PersistEvent[]): void {
  const redactions = evs.filter((e) => e.event.type === 'm.room.redaction');
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
       SELECT *, ${ts} FROM unnest(${s.p(ids)}::text[], ${s.p(targets)}::text[])`,
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
