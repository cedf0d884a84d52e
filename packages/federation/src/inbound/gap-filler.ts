/**
 * Filling gaps around a received event (server-server API "Checks performed
 * on receipt of a PDU" and "Retrieving events"): unknown auth events come from
 * /event_auth, unknown prev events from /get_missing_events, and when the gap
 * is too wide the state before the event from /state_ids (with the events we
 * lack fetched through /event). Everything fetched passes the same checks as a
 * transaction's PDUs before it is stored.
 */
import { stateKeyOf, type RoomEvent, type RoomVersion, type StateMap } from '@lattice/core';
import type { RemoteEventResult } from '@lattice/rooms';
import type { FederationDeps } from '../api.js';
import { checkReceivedPdu, checkReceivedPdus } from './checked-pdu.js';
import { remoteEventsOf } from '../rooms/remote-events.js';

/** get_missing_events asks for at most this many events per gap (the spec's default). */
const MISSING_EVENTS_LIMIT = 10;
/** Events fetched one by one in parallel while filling a state gap. */
const FETCH_CONCURRENCY = 10;

const enc = encodeURIComponent;

export class GapFiller {
  constructor(private readonly deps: FederationDeps) {}

  private get remote() {
    return remoteEventsOf(this.deps.ctx);
  }

  /**
   * Accepts the event, fetching from `origin` whatever it needs first. Never throws for
   * a remote failure: the result says what happened.
   */
  async accept(origin: string, event: RoomEvent, version: RoomVersion, allowMissingEvents = true): Promise<RemoteEventResult> {
    const roomId = event.room_id;
    let [result] = await this.remote.acceptEvents(roomId, [{ event }]);
    if (result!.outcome === 'missing_auth_events') {
      await this.fetchAuthChain(origin, roomId, event.event_id, version);
      [result] = await this.remote.acceptEvents(roomId, [{ event }]);
    }
    if (result!.outcome === 'missing_prev_events' && allowMissingEvents) {
      await this.fetchMissingEvents(origin, event, version);
      [result] = await this.remote.acceptEvents(roomId, [{ event }]);
    }
    if (result!.outcome === 'missing_prev_events') {
      const stateBefore = await this.fetchStateBefore(origin, roomId, event.event_id, version);
      if (stateBefore !== undefined) [result] = await this.remote.acceptEvents(roomId, [{ event, stateBefore }]);
    }
    return result!;
  }

  /** Stores the event's auth chain (as the origin has it) as outliers. */
  async fetchAuthChain(origin: string, roomId: string, eventId: string, version: RoomVersion): Promise<void> {
    const body = await this.tryRequest<{ auth_chain?: unknown }>(origin, 'GET', `/_matrix/federation/v1/event_auth/${enc(roomId)}/${enc(eventId)}`);
    const chain = await checkReceivedPdus(body?.auth_chain, version, this.deps.keyRing, roomId);
    if (chain.length > 0) await this.remote.storeOutliers(roomId, chain, version);
  }

  /** Asks the origin for the events between our forward extremities and the event, and accepts them oldest first. */
  private async fetchMissingEvents(origin: string, event: RoomEvent, version: RoomVersion): Promise<void> {
    const roomId = event.room_id;
    const { rows } = await this.deps.ctx.db.query<{ event_id: string }>('SELECT event_id FROM event_forward_extremities WHERE room_id = $1', [roomId]);
    const body = await this.tryRequest<{ events?: unknown }>(origin, 'POST', `/_matrix/federation/v1/get_missing_events/${enc(roomId)}`, {
      earliest_events: rows.map((r) => r.event_id),
      latest_events: [event.event_id],
      limit: MISSING_EVENTS_LIMIT,
      min_depth: 0,
    });
    const events = (await checkReceivedPdus(body?.events, version, this.deps.keyRing, roomId)).sort((a, b) => a.depth - b.depth);
    // Each fetched event may itself border a gap: fill it from state rather than recursing further.
    for (const missing of events) await this.accept(origin, missing, version, false);
  }

  /**
   * The state before the event as the origin has it (/state_ids), with the state and
   * auth chain events we lack fetched and stored as outliers. Undefined when the origin
   * cannot say.
   */
  async fetchStateBefore(origin: string, roomId: string, eventId: string, version: RoomVersion): Promise<StateMap | undefined> {
    const ids = await this.tryRequest<{ pdu_ids?: unknown; auth_chain_ids?: unknown }>(
      origin,
      'GET',
      `/_matrix/federation/v1/state_ids/${enc(roomId)}?event_id=${enc(eventId)}`,
    );
    const pduIds = stringArray(ids?.pdu_ids);
    if (pduIds === undefined) return undefined;
    const wanted = [...new Set([...pduIds, ...(stringArray(ids?.auth_chain_ids) ?? [])])];
    const held = await this.deps.ctx.rooms.store.getEvents(wanted);
    const fetched = await this.fetchEvents(origin, roomId, wanted.filter((id) => !held.has(id)), version);
    if (fetched.length > 0) await this.remote.storeOutliers(roomId, fetched, version);
    const all = await this.deps.ctx.rooms.store.getEvents(pduIds);
    const state: StateMap = new Map();
    for (const id of pduIds) {
      const e = all.get(id);
      if (e === undefined || e.event.state_key === undefined || e.rejectedReason !== null) continue;
      state.set(stateKeyOf(e.event.type, e.event.state_key), id);
    }
    return state;
  }

  /** GET /event/{id} for each id, a few at a time; events that fail the checks are left out. */
  async fetchEvents(origin: string, roomId: string, ids: readonly string[], version: RoomVersion): Promise<RoomEvent[]> {
    const out: RoomEvent[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < ids.length) {
        const id = ids[next++]!;
        const body = await this.tryRequest<{ pdus?: unknown }>(origin, 'GET', `/_matrix/federation/v1/event/${enc(id)}`);
        const pdu = Array.isArray(body?.pdus) ? body.pdus[0] : undefined;
        if (pdu === undefined) continue;
        const checked = await checkReceivedPdu(pdu, version, this.deps.keyRing, roomId);
        if (checked.ok && checked.event.event_id === id) out.push(checked.event);
      }
    };
    await Promise.all(Array.from({ length: Math.min(FETCH_CONCURRENCY, ids.length) }, worker));
    return out;
  }

  private async tryRequest<T>(destination: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T | undefined> {
    try {
      return await this.deps.client.request<T>({ method, destination, path, ...(body === undefined ? {} : { body }) });
    } catch (err) {
      this.deps.ctx.logger.warn({ err, destination, path }, 'federation: fetching missing data failed');
      return undefined;
    }
  }
}

function stringArray(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
}
