/** The room endpoints of this slice, as one router mounted under the versioned prefixes. */
import { Router } from 'express';
import type { ClientApiContext } from '../../context.js';
import { createRoomRouter } from './create-room.js';
import { eventsRouter } from './events.js';
import { membersRouter } from './members.js';
import { membershipRouter } from './membership.js';
import { stateRouter } from './state.js';

export function roomsRouter(ctx: ClientApiContext): Router {
  const router = Router();
  router.use(createRoomRouter(ctx), membershipRouter(ctx), stateRouter(ctx), eventsRouter(ctx), membersRouter(ctx));
  return router;
}
