/**
 * Reading room timelines: /messages and /context under the r0/v3 prefixes,
 * /relations, /threads and /timestamp_to_event under v1 (where the spec
 * defines them).
 */
import { Router } from 'express';
import type { ClientApiContext } from '../../context.js';
import { requireAuth } from '../../http/auth.js';
import { methodNotAllowed } from '../../http/unrecognized.js';
import { contextHandler } from './context.js';
import { messagesHandler } from './messages.js';
import { roomInitialSyncHandler } from '../peeking/room-initial-sync.js';
import { relationsHandler } from './relations.js';
import { threadsHandler } from './threads.js';
import { timestampToEventHandler } from './timestamp-to-event.js';

/** Mounted under CLIENT_API_PREFIXES. */
export function timelineRouter(ctx: ClientApiContext): Router {
  const router = Router();
  const auth = requireAuth(ctx);
  router.route('/rooms/:roomId/messages').get(auth, messagesHandler(ctx)).all(methodNotAllowed);
  router.route('/rooms/:roomId/context/:eventId').get(auth, contextHandler(ctx)).all(methodNotAllowed);
  router.route('/rooms/:roomId/initialSync').get(auth, roomInitialSyncHandler(ctx)).all(methodNotAllowed);
  return router;
}

/** Mounted under /_matrix/client/v1. */
export function timelineV1Router(ctx: ClientApiContext): Router {
  const router = Router();
  const auth = requireAuth(ctx);
  const relations = relationsHandler(ctx);
  router.route('/rooms/:roomId/relations/:eventId').get(auth, relations).all(methodNotAllowed);
  router.route('/rooms/:roomId/relations/:eventId/:relType').get(auth, relations).all(methodNotAllowed);
  router.route('/rooms/:roomId/relations/:eventId/:relType/:eventType').get(auth, relations).all(methodNotAllowed);
  router.route('/rooms/:roomId/threads').get(auth, threadsHandler(ctx)).all(methodNotAllowed);
  router.route('/rooms/:roomId/timestamp_to_event').get(auth, timestampToEventHandler(ctx)).all(methodNotAllowed);
  return router;
}
