/**
 * Reporting content (report_content.yaml): an event the reporter can see in a
 * room they are joined to, a room this server knows, or a user. Reports are
 * stored for the server's admins; nothing is sent to anyone. A report of an
 * event the reporter may not see is 404 M_NOT_FOUND, exactly like one of an
 * event that does not exist, so reports cannot probe hidden history.
 */
import { Errors, parseUserId } from '@lattice/core';
import { Router, type Request, type Response } from 'express';
import type { ClientApiContext } from '../../context.js';
import { requesterOf, requireAuth } from '../../http/auth.js';
import { objectBody } from '../../http/body.js';
import { methodNotAllowed } from '../../http/unrecognized.js';
import { userExists } from '../../stores/users.js';
import { checkEventId, checkRoomId } from '../rooms/ids.js';
import { assessForRequester } from '../timeline/requester-visibility.js';
import { eventReportFields, requiredReason } from './report-body.js';
import { insertReport } from './report-store.js';

const eventNotFound = () => Errors.notFound('The event was not found or you are not joined to the room.');

export function reportRouter(ctx: ClientApiContext): Router {
  const router = Router();
  const auth = requireAuth(ctx);
  const { store } = ctx.rooms;

  async function reportEvent(req: Request<{ roomId: string; eventId: string }>, res: Response): Promise<void> {
    const { userId } = requesterOf(req);
    const roomId = checkRoomId(req.params.roomId);
    const eventId = checkEventId(req.params.eventId);
    const { reason, score } = eventReportFields(objectBody(req));
    const membership = await store.membership(roomId, userId);
    if (membership?.membership !== 'join') throw eventNotFound();
    const stored = await store.getEvent(eventId);
    if (stored === undefined || stored.event.room_id !== roomId || stored.outlier || stored.rejectedReason !== null) throw eventNotFound();
    const [verdict] = await assessForRequester(ctx, userId, [stored]);
    if (!verdict!.visible) throw eventNotFound();
    await insertReport(ctx.db, { reporter: userId, target: { kind: 'event', roomId, eventId }, reason, score, receivedTs: Date.now() });
    res.json({});
  }

  async function reportRoom(req: Request<{ roomId: string }>, res: Response): Promise<void> {
    const { userId } = requesterOf(req);
    const roomId = checkRoomId(req.params.roomId);
    const reason = requiredReason(objectBody(req));
    if ((await store.roomVersion(roomId)) === undefined) throw Errors.notFound('The room was not found.');
    await insertReport(ctx.db, { reporter: userId, target: { kind: 'room', roomId }, reason, receivedTs: Date.now() });
    res.json({});
  }

  async function reportUser(req: Request<{ userId: string }>, res: Response): Promise<void> {
    const { userId } = requesterOf(req);
    const target = req.params.userId;
    const parsed = parseUserId(target);
    if (parsed === undefined) throw Errors.invalidParam(`Invalid user id: ${target}`);
    const reason = requiredReason(objectBody(req));
    // Only our own users can be checked; a remote user's report is kept for the admins to judge.
    const local = parsed.domain === ctx.config.server_name;
    if (local && !(await userExists(ctx.db, target))) throw Errors.notFound('The user was not found.');
    await insertReport(ctx.db, { reporter: userId, target: { kind: 'user', userId: target }, reason, receivedTs: Date.now() });
    res.json({});
  }

  router.route('/rooms/:roomId/report/:eventId').post(auth, reportEvent).all(methodNotAllowed);
  router.route('/rooms/:roomId/report').post(auth, reportRoom).all(methodNotAllowed);
  router.route('/users/:userId/report').post(auth, reportUser).all(methodNotAllowed);
  return router;
}
