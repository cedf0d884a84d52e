/**
 * Serving the membership handshakes to other servers (data/api/server-server/
 * joins-v1.yaml, joins-v2.yaml, leaving-v1.yaml, leaving-v2.yaml,
 * knocks.yaml): make_* answers a template built on the room as it stands;
 * send_* takes the remote server's signed event, checks it is the membership
 * it claims to be for a user of that server, and accepts it into the room
 * through the same checks as any received PDU. send_join answers with the
 * state before the join and its auth chain (v2: optionally without member
 * events, `omit_members`).
 */
import { Errors, MatrixError, serverNameOf, signEvent, toFederationPdu, stateKeyOf, splitStateKey, type PDU, type RoomEvent, type RoomVersion } from '@lattice/core';
import { isRestrictedJoinRule, jsonBody, restrictedJoinAuthoriser } from '@lattice/client-api';
import type { StoredEvent } from '@lattice/rooms';
import { Router, type Request, type Response } from 'express';
import { originOf, type FederationDeps } from '../api.js';
import { checkReceivedPdu } from '../inbound/checked-pdu.js';
import { authChainEvents } from './event-graph-reads.js';
import { membershipTemplate } from './event-template.js';
import { checkServerAcl } from './server-access.js';
import { remoteEventsOf } from './remote-events.js';
import { wirePdu } from './wire-events.js';

type Membership = 'join' | 'leave' | 'knock';

/** Member events kept in an omit_members answer besides the joiner's: enough for a room summary's heroes. */
const HEROES = 5;

/** Passes an accepted membership event on to the room's other servers (the resident server's duty). */
export type MembershipForwarder = (event: RoomEvent, origin: string) => Promise<void>;

export function membershipRoutes(deps: FederationDeps, forward?: MembershipForwarder): Router {
  const router = Router();
  const { store } = deps.ctx.rooms;

  async function residentRoom(roomId: string, origin: string): Promise<RoomVersion> {
    const version = await store.roomVersion(roomId);
    if (version === undefined) throw Errors.notFound(`Unknown room ${roomId}`);
    await checkServerAcl(store, roomId, origin);
    const { rows } = await deps.ctx.db.query(`SELECT 1 FROM local_current_membership WHERE room_id = $1 AND membership = 'join' LIMIT 1`, [roomId]);
    if (rows.length === 0) throw Errors.notFound(`This server is not in room ${roomId}`);
    return version;
  }

  function makeHandler(membership: Membership) {
    return async (req: Request<{ roomId: string; userId: string }>, res: Response): Promise<void> => {
      const origin = originOf(req);
      const { roomId, userId } = req.params;
      if (serverNameOf(userId) !== origin) throw Errors.forbidden(`${userId} is not a user of ${origin}`);
      const version = await residentRoom(roomId, origin);
      if (membership !== 'leave') {
        const ver = req.query['ver'];
        const supported = ver === undefined ? ['1'] : Array.isArray(ver) ? ver : [ver];
        if (!supported.includes(version.id)) {
          res.status(400).json({ errcode: 'M_INCOMPATIBLE_ROOM_VERSION', error: `Room version ${version.id} is not supported by ${origin}`, room_version: version.id });
          return;
        }
      }
      if (membership === 'knock' && !version.knockJoinRule) throw Errors.forbidden(`Room version ${version.id} does not support knocking`);
      const content: Record<string, unknown> = { membership };
      if (membership === 'join') {
        const authoriser = await joinAuthoriser(roomId, version, userId);
        if (authoriser !== undefined) content['join_authorised_via_users_server'] = authoriser;
      }
      const event = await membershipTemplate(deps.ctx.db, store, {
        roomId,
        version,
        type: 'm.room.member',
        stateKey: userId,
        sender: userId,
        content,
        origin: deps.serverName,
        now: Date.now(),
      });
      res.json({ room_version: version.id, event });
    };
  }

  /**
   * Restricted rooms (v8+): a user who is neither invited nor joined joins through an
   * allowed room's membership, vouched for by one of our users who may invite.
   */
  async function joinAuthoriser(roomId: string, version: RoomVersion, userId: string): Promise<string | undefined> {
    const [current, joinRules] = await Promise.all([
      store.currentStateEvent(roomId, 'm.room.member', userId),
      store.currentStateEvent(roomId, 'm.room.join_rules', ''),
    ]);
    const membership = current?.event.content['membership'];
    if (!joinRules || membership === 'join' || membership === 'invite') return undefined;
    if (!isRestrictedJoinRule(joinRules.event.content['join_rule'], version)) return undefined;
    try {
      return await restrictedJoinAuthoriser(deps.ctx, roomId, version, joinRules.event, userId);
    } catch (err) {
      // data/api/server-server/joins-v2.yaml: another resident server may be able to grant it.
      if (err instanceof MatrixError && /No user of this server/.test(err.message)) throw new MatrixError(400, 'M_UNABLE_TO_GRANT_JOIN', err.message);
      throw err;
    }
  }

  /** Checks the signed membership event sent back and accepts it into the room. */
  async function acceptMembership(req: Request<{ roomId: string; eventId: string }>, membership: Membership): Promise<{ event: RoomEvent; version: RoomVersion }> {
    const origin = originOf(req);
    const { roomId, eventId } = req.params;
    const version = await residentRoom(roomId, origin);
    let body = jsonBody(req);
    // A restricted join names one of our users as its authoriser: we co-sign it (and send it back).
    const authoriser = (body as { content?: { join_authorised_via_users_server?: unknown } } | null)?.content?.join_authorised_via_users_server;
    if (membership === 'join' && typeof authoriser === 'string' && serverNameOf(authoriser) === deps.serverName && typeof body === 'object' && body !== null) {
      body = signEvent(body as PDU, deps.serverName, deps.signingKey, version);
    }
    const checked = await checkReceivedPdu(body, version, deps.keyRing, roomId);
    if (!checked.ok) throw Errors.badJson(`Invalid event: ${checked.reason}`);
    const { event } = checked;
    if (event.event_id !== eventId) throw Errors.badJson('The event id does not match the path');
    if (event.type !== 'm.room.member' || event.content['membership'] !== membership) throw Errors.badJson(`Not a ${membership} event`);
    if (event.state_key !== event.sender) throw Errors.badJson('state_key must be the sender');
    if (serverNameOf(event.sender) !== origin) throw Errors.forbidden(`${event.sender} is not a user of ${origin}`);
    const [result] = await remoteEventsOf(deps.ctx).acceptEvents(roomId, [{ event }]);
    if (result!.outcome !== 'accepted' && result!.outcome !== 'duplicate') {
      throw Errors.forbidden(`The ${membership} event was not accepted: ${result!.reason ?? result!.outcome}`);
    }
    if (result!.outcome === 'accepted') await forward?.(event, origin);
    return { event, version };
  }

  async function sendJoinAnswer(req: Request<{ roomId: string; eventId: string }>) {
    const { event, version } = await acceptMembership(req, 'join');
    const omitMembers = req.query['omit_members'] === 'true';
    const state = await store.stateBeforeEvent(event.event_id);
    let stateIds = [...state.values()];
    let serversInRoom: string[] | undefined;
    if (omitMembers) {
      const members = [...state].filter(([key]) => splitStateKey(key)[0] === 'm.room.member');
      const memberEvents = await store.getEvents(members.map(([, id]) => id));
      const joined = [...memberEvents.values()].filter((e) => e.event.content['membership'] === 'join');
      serversInRoom = [...new Set(joined.map((e) => serverNameOf(e.event.state_key!)).filter((s): s is string => s !== undefined))];
      const keep = new Set(joined.slice(0, HEROES).map((e) => e.event.event_id));
      const own = state.get(stateKeyOf('m.room.member', event.sender));
      if (own !== undefined) keep.add(own);
      stateIds = stateIds.filter((id) => !memberEvents.has(id) || keep.has(id));
    }
    const stateEvents = await store.getEvents(stateIds);
    const chain = await authChainEvents(deps.ctx.db, store, event.room_id, [event.event_id, ...stateIds]);
    const inState = new Set(stateIds);
    const wire = (list: StoredEvent[]) => list.map((e) => wirePdu(e, version));
    const answer: Record<string, unknown> = {
      origin: deps.serverName,
      state: wire(stateIds.flatMap((id) => stateEvents.get(id) ?? [])),
      auth_chain: wire(omitMembers ? chain.filter((e) => !inState.has(e.event.event_id)) : chain),
    };
    if (omitMembers) {
      answer['members_omitted'] = true;
      answer['servers_in_room'] = serversInRoom;
    }
    if (event.content['join_authorised_via_users_server'] !== undefined) answer['event'] = toFederationPdu(event, version);
    return answer;
  }

  router.get('/_matrix/federation/v1/make_join/:roomId/:userId', makeHandler('join'));
  router.get('/_matrix/federation/v1/make_leave/:roomId/:userId', makeHandler('leave'));
  router.get('/_matrix/federation/v1/make_knock/:roomId/:userId', makeHandler('knock'));

  router.put('/_matrix/federation/v2/send_join/:roomId/:eventId', async (req: Request<{ roomId: string; eventId: string }>, res: Response) => {
    res.json(await sendJoinAnswer(req));
  });
  router.put('/_matrix/federation/v1/send_join/:roomId/:eventId', async (req: Request<{ roomId: string; eventId: string }>, res: Response) => {
    const { origin, state, auth_chain } = await sendJoinAnswer(req);
    res.json([200, { origin, state, auth_chain }]);
  });
  router.put('/_matrix/federation/v2/send_leave/:roomId/:eventId', async (req: Request<{ roomId: string; eventId: string }>, res: Response) => {
    await acceptMembership(req, 'leave');
    res.json({});
  });
  router.put('/_matrix/federation/v1/send_leave/:roomId/:eventId', async (req: Request<{ roomId: string; eventId: string }>, res: Response) => {
    await acceptMembership(req, 'leave');
    res.json([200, {}]);
  });
  router.put('/_matrix/federation/v1/send_knock/:roomId/:eventId', async (req: Request<{ roomId: string; eventId: string }>, res: Response) => {
    const { event } = await acceptMembership(req, 'knock');
    const state = await store.stateBeforeEvent(event.event_id);
    const ids = ['m.room.create', 'm.room.name', 'm.room.avatar', 'm.room.topic', 'm.room.join_rules', 'm.room.canonical_alias', 'm.room.encryption']
      .flatMap((t) => state.get(stateKeyOf(t, '')) ?? []);
    const events = await store.getEvents(ids);
    res.json({
      knock_room_state: [...events.values()].map((e) => ({ type: e.event.type, state_key: e.event.state_key, sender: e.event.sender, content: e.event.content })),
    });
  });
  return router;
}
