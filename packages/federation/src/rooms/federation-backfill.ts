/**
 * RemoteBackfill over federation (server-server "Backfilling and retrieving
 * missing events"): the room's backward extremities (prev events of its
 * earliest held events that this server never placed) go to GET /backfill on
 * a server in the room; the answer is checked like any received PDU and
 * stored as history (RemoteEventPersister.backfillEvents). Events whose prev
 * events stay unknown get the state before them from /state_ids, and missing
 * auth events come from /event_auth. One backfill per room runs at a time;
 * concurrent /messages requests share it.
 */
import { prevEventIds, type RoomVersion } from '@lattice/core';
import type { RemoteBackfill } from '@lattice/client-api';
import type { IncomingEvent } from '@lattice/rooms';
import type { Queryable } from '@lattice/storage';
import type { FederationDeps } from '../api.js';
import { checkReceivedPdus } from '../inbound/checked-pdu.js';
import { GapFiller } from '../inbound/gap-filler.js';
import { remoteEventsOf } from './remote-events.js';

/** The earliest held events looked at for backward extremities. */
const EARLIEST_EVENTS = 20;
/** Servers asked in turn until one answers. */
const SERVERS_TRIED = 5;
/** The spec's /backfill limit is the caller's; more than this is not asked for at once. */
const MAX_LIMIT = 100;
const REQUEST_TIMEOUT_MS = 20_000;

const enc = encodeURIComponent;

export class FederationBackfill implements RemoteBackfill {
  private readonly gaps: GapFiller;
  private readonly running = new Map<string, Promise<number>>();

  constructor(private readonly deps: FederationDeps) {
    this.gaps = new GapFiller(deps);
  }

  backfill(roomId: string, limit: number): Promise<number> {
    const pending = this.running.get(roomId);
    if (pending !== undefined) return pending;
    const run = this.run(roomId, Math.min(Math.max(limit, 1), MAX_LIMIT))
      .catch((err: unknown) => {
        this.deps.ctx.logger.warn({ err, roomId }, 'backfill failed');
        return 0;
      })
      .finally(() => this.running.delete(roomId));
    this.running.set(roomId, run);
    return run;
  }

  private async run(roomId: string, limit: number): Promise<number> {
    const { db, rooms } = this.deps.ctx;
    const version = await rooms.store.roomVersion(roomId);
    if (version === undefined) return 0;
    const extremities = await backwardExtremities(db, roomId);
    if (extremities.length === 0) return 0;
    for (const server of await otherServersIn(db, roomId, this.deps.serverName)) {
      const stored = await this.fromServer(server, roomId, version, extremities, limit);
      if (stored !== undefined) return stored;
    }
    return 0;
  }

  /** How many events `server` gave that were stored; undefined when it did not answer. */
  private async fromServer(server: string, roomId: string, version: RoomVersion, extremities: string[], limit: number): Promise<number | undefined> {
    let body: { pdus?: unknown } | undefined;
    try {
      const query = `limit=${limit}&${extremities.map((id) => `v=${enc(id)}`).join('&')}`;
      body = await this.deps.client.request({ method: 'GET', destination: server, path: `/_matrix/federation/v1/backfill/${enc(roomId)}?${query}`, timeoutMs: REQUEST_TIMEOUT_MS });
    } catch {
      return undefined;
    }
    const events = await checkReceivedPdus(body?.pdus, version, this.deps.keyRing, roomId);
    if (events.length === 0) return 0;
    const inAnswer = new Set(events.map((e) => e.event_id));
    const placed = await placedEventIds(this.deps.ctx.db, [...new Set(events.flatMap((e) => prevEventIds(e)))]);
    const incoming: IncomingEvent[] = [];
    for (const event of events) {
      // The oldest events of the answer border history nobody has here: their state comes from the server.
      if (prevEventIds(event).every((id) => inAnswer.has(id) || placed.has(id))) {
        incoming.push({ event });
        continue;
      }
      const stateBefore = await this.gaps.fetchStateBefore(server, roomId, event.event_id, version);
      if (stateBefore !== undefined) incoming.push({ event, stateBefore });
    }
    const remote = remoteEventsOf(this.deps.ctx);
    let results = await remote.backfillEvents(roomId, incoming);
    const lackingAuth = results.filter((r) => r.outcome === 'missing_auth_events').map((r) => r.eventId);
    if (lackingAuth.length > 0) {
      for (const id of lackingAuth) await this.gaps.fetchAuthChain(server, roomId, id, version);
      results = await remote.backfillEvents(roomId, incoming);
    }
    return results.filter((r) => r.outcome === 'accepted').length;
  }
}

/** Prev events of the room's earliest placed events that are not placed here themselves. */
async function backwardExtremities(db: Queryable, roomId: string): Promise<string[]> {
  const { rows } = await db.query<{ prev_event_id: string }>(
    `SELECT DISTINCT ed.prev_event_id FROM
       (SELECT event_id FROM events WHERE room_id = $1 AND NOT outlier AND rejected_reason IS NULL
        ORDER BY topological_ordering, stream_ordering LIMIT ${EARLIEST_EVENTS}) e
     JOIN event_edges ed ON ed.event_id = e.event_id
     WHERE NOT EXISTS (SELECT 1 FROM events x WHERE x.event_id = ed.prev_event_id AND NOT x.outlier)`,
    [roomId],
  );
  return rows.map((r) => r.prev_event_id);
}

/** Events placed in the DAG here (not outliers). */
async function placedEventIds(db: Queryable, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { rows } = await db.query<{ event_id: string }>('SELECT event_id FROM events WHERE event_id = ANY($1::text[]) AND NOT outlier', [ids]);
  return new Set(rows.map((r) => r.event_id));
}

/** Servers with joined members in the room, most members first, this one excluded. */
async function otherServersIn(db: Queryable, roomId: string, self: string): Promise<string[]> {
  const { rows } = await db.query<{ server: string }>(
    `SELECT substr(state_key, strpos(state_key, ':') + 1) AS server FROM current_state_events
     WHERE room_id = $1 AND type = 'm.room.member' AND membership = 'join'
     GROUP BY 1 ORDER BY count(*) DESC LIMIT ${SERVERS_TRIED + 1}`,
    [roomId],
  );
  return rows.map((r) => r.server).filter((s) => s !== self).slice(0, SERVERS_TRIED);
}
