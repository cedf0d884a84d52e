/**
 * The federation read endpoints (data/api/server-server/events.yaml,
 * backfill.yaml, event_auth.yaml): GET /event, /state, /state_ids, /backfill,
 * /event_auth and POST /get_missing_events. The requesting server must pass
 * the room's ACL and be in the room (or, for single events, be allowed to see
 * them by history visibility); an event of another room is not found.
 */
import { Errors, type RoomVersion } from '@lattice/core';
import { objectBody } from '@lattice/client-api';
import { Router, type Request, type Response } from 'express';
import { originOf, type FederationDeps } from '../api.js';
import { authChainEvents, walkBackwards } from './event-graph-reads.js';
import { checkServerAcl, checkServerInRoom, serverMaySeeEvent } from './server-access.js';
import { wirePdu } from './wire-events.js';

/** Events per /backfill or /get_missing_events answer at most. */
const MAX_EVENTS = 100;

function positiveInt(value: unknown, name: string, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (value === undefined) throw Errors.missingParam(name);
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw Errors.invalidParam(`'${name}' must be a non-negative integer`);
  return n;
}

function stringList(value: unknown, name: string): string[] {
  if (value === undefined) throw Errors.missingParam(name);
  const list = Array.isArray(value) ? value : [value];
  if (!list.every((v) => typeof v === 'string')) throw Errors.invalidParam(`'${name}' must be a list of event ids`);
  return list as string[];
}

export function readRoutes(deps: FederationDeps): Router {
  const router = Router();
  const { store } = deps.ctx.rooms;
  const { db } = deps.ctx;
  const transaction = (pdus: unknown[]) => ({ origin: deps.serverName, origin_server_ts: Date.now(), pdus });

  async function versionOf(roomId: string): Promise<RoomVersion> {
    const version = await store.roomVersion(roomId);
    if (version === undefined) throw Errors.notFound(`Unknown room ${roomId}`);
    return version;
  }

  /** The event, which must belong to the room (404 otherwise, as for an unknown one). */
  async function eventInRoom(roomId: string, eventId: string) {
    const stored = await store.getEvent(eventId);
    if (stored === undefined || stored.event.room_id !== roomId || stored.outlier) throw Errors.notFound(`Unknown event ${eventId}`);
    return stored;
  }

  router.get('/_matrix/federation/v1/event/:eventId', async (req: Request<{ eventId: string }>, res: Response) => {
    const origin = originOf(req);
    const stored = await store.getEvent(req.params.eventId);
    if (stored === undefined || stored.rejectedReason !== null) throw Errors.notFound('Unknown event');
    await checkServerAcl(store, stored.event.room_id, origin);
    if (!(await serverMaySeeEvent(store, stored.event.event_id, origin))) throw Errors.notFound('Unknown event');
    res.json(transaction([wirePdu(stored, await versionOf(stored.event.room_id))]));
  });

  async function stateAt(req: Request<{ roomId: string }>) {
    const origin = originOf(req);
    const { roomId } = req.params;
    const version = await versionOf(roomId);
    await checkServerInRoom(store, roomId, origin);
    const eventId = req.query['event_id'];
    if (typeof eventId !== 'string') throw Errors.missingParam('event_id');
    await eventInRoom(roomId, eventId);
    // The state before the event (what the joining or catching-up server resolves from).
    const state = await store.stateBeforeEvent(eventId);
    const ids = [...state.values()];
    const chain = await authChainEvents(db, store, roomId, ids);
    return { version, roomId, ids, chain };
  }

  router.get('/_matrix/federation/v1/state_ids/:roomId', async (req: Request<{ roomId: string }>, res: Response) => {
    const { ids, chain } = await stateAt(req);
    res.json({ pdu_ids: ids, auth_chain_ids: chain.map((e) => e.event.event_id) });
  });

  router.get('/_matrix/federation/v1/state/:roomId', async (req: Request<{ roomId: string }>, res: Response) => {
    const { ids, chain, version } = await stateAt(req);
    const events = await store.getEvents(ids);
    res.json({
      pdus: ids.flatMap((id) => (events.has(id) ? [wirePdu(events.get(id)!, version)] : [])),
      auth_chain: chain.map((e) => wirePdu(e, version)),
    });
  });

  router.get('/_matrix/federation/v1/event_auth/:roomId/:eventId', async (req: Request<{ roomId: string; eventId: string }>, res: Response) => {
    const origin = originOf(req);
    const { roomId, eventId } = req.params;
    const version = await versionOf(roomId);
    await checkServerInRoom(store, roomId, origin);
    const stored = await store.getEvent(eventId);
    if (stored === undefined || stored.event.room_id !== roomId) throw Errors.notFound(`Unknown event ${eventId}`);
    const chain = await authChainEvents(db, store, roomId, [eventId]);
    res.json({ auth_chain: chain.map((e) => wirePdu(e, version)) });
  });

  router.get('/_matrix/federation/v1/backfill/:roomId', async (req: Request<{ roomId: string }>, res: Response) => {
    const origin = originOf(req);
    const { roomId } = req.params;
    const version = await versionOf(roomId);
    await checkServerInRoom(store, roomId, origin);
    const from = stringList(req.query['v'], 'v');
    const limit = Math.min(positiveInt(req.query['limit'], 'limit'), MAX_EVENTS);
    const events = await walkBackwards(db, store, roomId, from, limit, { includeStart: true });
    const visible = [];
    for (const e of events) if (await serverMaySeeEvent(store, e.event.event_id, origin)) visible.push(wirePdu(e, version));
    res.json(transaction(visible));
  });

  router.post('/_matrix/federation/v1/get_missing_events/:roomId', async (req: Request<{ roomId: string }>, res: Response) => {
    const origin = originOf(req);
    const { roomId } = req.params;
    const body = objectBody(req);
    const earliest = stringList(body['earliest_events'], 'earliest_events');
    const latest = stringList(body['latest_events'], 'latest_events');
    const limit = Math.min(positiveInt(body['limit'], 'limit', 10), MAX_EVENTS);
    const minDepth = positiveInt(body['min_depth'], 'min_depth', 0);
    const version = await versionOf(roomId);
    await checkServerInRoom(store, roomId, origin);
    const events = await walkBackwards(db, store, roomId, latest, limit, { includeStart: false, stopAt: new Set(earliest), minDepth });
    const visible = [];
    for (const e of events.reverse()) if (await serverMaySeeEvent(store, e.event.event_id, origin)) visible.push(wirePdu(e, version));
    res.json({ events: visible });
  });

  return router;
}
