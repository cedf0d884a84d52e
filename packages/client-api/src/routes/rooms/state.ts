/**
 * Room state (room_state.yaml, rooms.yaml): GET the whole state or one event
 * (its content, or with ?format=event the whole ClientEvent), PUT a state event.
 */
import { Errors, serverNameOf, stateKeyOf } from '@lattice/core';
import { Router, type Request, type Response } from 'express';
import type { ClientApiContext } from '../../context.js';
import { requesterOf, requireAuth } from '../../http/auth.js';
import { objectBody } from '../../http/body.js';
import { methodNotAllowed } from '../../http/unrecognized.js';
import { clientEventsFor } from './client-events.js';
import { afterWrite, beforeRead } from './read-your-writes.js';
import { fakeEventId, isShadowBanned } from '../../accounts/shadow-ban.js';
import { assertInvitesAllowed } from '../../accounts/invite-permission.js';
import { evictGuestsIfClosed } from './guest-access.js';
import { assertNotRejectingServerNotices } from './server-notice-invite.js';
import { readableState } from './room-access.js';
import { knownRoom } from './room-lookup.js';
import { limitMessages } from '../../ratelimit/rate-limits.js';
import { checkStateEventContent } from './state-content-checks.js';
import { appserviceTs } from '../../http/appservice-ts.js';

type StateParams = { roomId: string; eventType: string; stateKey?: string };

const isLocalUser = (ctx: ClientApiContext, userId: string) => serverNameOf(userId) === ctx.config.server_name;

export function stateRouter(ctx: ClientApiContext): Router {
  const router = Router();
  const auth = requireAuth(ctx);
  const { store } = ctx.rooms;

  async function getAll(req: Request<{ roomId: string }>, res: Response): Promise<void> {
    const requester = requesterOf(req);
    const room = await knownRoom(ctx, req.params.roomId);
    await beforeRead(ctx.rooms, requester.userId);
    const state = await readableState(ctx, room, requester.userId);
    const events = await store.getEvents([...state.values()]);
    res.json(clientEventsFor(room, requester, events.values()));
  }

  async function getOne(req: Request<StateParams>, res: Response): Promise<void> {
    const requester = requesterOf(req);
    const { eventType, stateKey = '' } = req.params;
    const room = await knownRoom(ctx, req.params.roomId);
    await beforeRead(ctx.rooms, requester.userId);
    const state = await readableState(ctx, room, requester.userId);
    const eventId = state.get(stateKeyOf(eventType, stateKey));
    const stored = eventId === undefined ? undefined : await store.getEvent(eventId);
    if (!stored) throw Errors.notFound(`No ${eventType} state with key '${stateKey}' in this room`);
    if (req.query.format === 'event') res.json(clientEventsFor(room, requester, [stored])[0]);
    else res.json(stored.event.content);
  }

  async function put(req: Request<StateParams>, res: Response): Promise<void> {
    const requester = requesterOf(req);
    const { userId } = requester;
    const { eventType, stateKey = '' } = req.params;
    const content = objectBody(req);
    const room = await knownRoom(ctx, req.params.roomId);
    // Membership changes go through as in Synapse (joins, leaves, kicks), except invites; other state is dropped.
    const dropped = eventType !== 'm.room.member' || content['membership'] === 'invite';
    if (isShadowBanned(requester) && dropped) return void res.json({ event_id: fakeEventId() });
    await checkStateEventContent(ctx, room, eventType, content);
    await limitMessages(ctx, userId);
    // Raw member events get the membership endpoints' rules: invite permission, the notices room's invite.
    if (eventType === 'm.room.member' && content['membership'] === 'invite' && isLocalUser(ctx, stateKey)) {
      await assertInvitesAllowed(ctx.db, stateKey);
    }
    if (eventType === 'm.room.member' && content['membership'] === 'leave' && stateKey === userId) {
      await assertNotRejectingServerNotices(ctx, room.roomId, userId);
    }
    const result = await ctx.rooms.persister.createEvent({ room_id: room.roomId, type: eventType, state_key: stateKey, sender: userId, content, ...appserviceTs(req) });
    await afterWrite(ctx.rooms, userId, result.streamOrdering);
    if (eventType === 'm.room.guest_access' && stateKey === '') await evictGuestsIfClosed(ctx, room.roomId);
    res.json({ event_id: result.event.event_id });
  }

  router.route('/rooms/:roomId/state').get(auth, getAll).all(methodNotAllowed);
  router.route('/rooms/:roomId/state/:eventType{/:stateKey}').get(auth, getOne).put(auth, put).all(methodNotAllowed);
  return router;
}
