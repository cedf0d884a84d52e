/**
 * Sending and reading single events (room_send.yaml, redaction.yaml,
 * rooms.yaml getOneRoomEvent). Sends are idempotent per (user, device, txnId):
 * a retried request answers with the first event and writes nothing.
 */
import { Errors } from '@lattice/core';
import { Router, type Request, type Response } from 'express';
import type { ClientApiContext } from '../../context.js';
import { requesterOf, requireAuth } from '../../http/auth.js';
import { objectBody, optionalObjectBody } from '../../http/body.js';
import { methodNotAllowed } from '../../http/unrecognized.js';
import { optionalString } from '../../http/validate.js';
import { fakeEventId, isShadowBanned } from '../../accounts/shadow-ban.js';
import { assessForRequester } from '../timeline/requester-visibility.js';
import { timelineClientEvents } from '../timeline/serialize.js';
import { checkEventId } from './ids.js';
import { afterWrite, beforeRead } from './read-your-writes.js';
import { checkRedactionAllowed } from './redaction-power.js';
import { knownRoom } from './room-lookup.js';
import { limitMessages } from '../../ratelimit/rate-limits.js';
import { appserviceTs } from '../../http/appservice-ts.js';

type SendParams = { roomId: string; eventType: string; txnId: string };
type RedactParams = { roomId: string; eventId: string; txnId: string };
type EventParams = { roomId: string; eventId: string };

export function eventsRouter(ctx: ClientApiContext): Router {
  const router = Router();
  const auth = requireAuth(ctx);
  const { persister, store } = ctx.rooms;

  async function send(req: Request<SendParams>, res: Response): Promise<void> {
    const requester = requesterOf(req);
    const { userId, deviceId } = requester;
    const { eventType, txnId } = req.params;
    const content = objectBody(req);
    const room = await knownRoom(ctx, req.params.roomId);
    if (isShadowBanned(requester)) return void res.json({ event_id: fakeEventId() });
    await limitMessages(ctx, userId);
    const result = await persister.createEvent(
      { room_id: room.roomId, type: eventType, sender: userId, content, ...appserviceTs(req) },
      { txn: { userId, deviceId, txnId } },
    );
    await afterWrite(ctx.rooms, userId, result.streamOrdering);
    res.json({ event_id: result.event.event_id });
  }

  async function redact(req: Request<RedactParams>, res: Response): Promise<void> {
    const requester = requesterOf(req);
    const { userId, deviceId } = requester;
    const { txnId } = req.params;
    const redacts = checkEventId(req.params.eventId);
    const reason = optionalString(optionalObjectBody(req), 'reason');
    const room = await knownRoom(ctx, req.params.roomId);
    if (isShadowBanned(requester)) return void res.json({ event_id: fakeEventId() });
    await checkRedactionAllowed(ctx, room, userId, redacts);
    await limitMessages(ctx, userId);
    const result = await persister.createEvent(
      { room_id: room.roomId, type: 'm.room.redaction', sender: userId, content: reason === undefined ? {} : { reason }, redacts },
      { txn: { userId, deviceId, txnId } },
    );
    await afterWrite(ctx.rooms, userId, result.streamOrdering);
    res.json({ event_id: result.event.event_id });
  }

  async function getEvent(req: Request<EventParams>, res: Response): Promise<void> {
    const requester = requesterOf(req);
    const eventId = checkEventId(req.params.eventId);
    const room = await knownRoom(ctx, req.params.roomId);
    await beforeRead(ctx.rooms, requester.userId);
    const stored = await store.getEvent(eventId);
    // Not found and not visible look the same: no leaking of what exists.
    const inRoomTimeline =
      stored !== undefined && stored.event.room_id === room.roomId && !stored.outlier && stored.rejectedReason === null && !stored.softFailed;
    const verdict = inRoomTimeline ? (await assessForRequester(ctx, requester.userId, [stored]))[0] : undefined;
    if (!verdict?.visible) throw Errors.notFound('Event not found');
    // Like every API returning timeline events: unsigned.membership and bundled aggregations.
    const [event] = await timelineClientEvents(ctx, { version: room.version, requester }, [{ stored: stored!, membership: verdict.membership }]);
    res.json(event);
  }

  router.route('/rooms/:roomId/send/:eventType/:txnId').put(auth, send).all(methodNotAllowed);
  router.route('/rooms/:roomId/redact/:eventId/:txnId').put(auth, redact).all(methodNotAllowed);
  router.route('/rooms/:roomId/event/:eventId').get(auth, getEvent).all(methodNotAllowed);
  return router;
}
