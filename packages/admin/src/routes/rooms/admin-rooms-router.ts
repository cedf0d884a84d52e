/**
 * Issue 9's rooms area of the admin API: reading rooms, blocking, deleting,
 * purging history, make_room_admin, forward extremities and the background
 * job status. Also subscribes this process to purge announcements so its
 * caches forget purged rooms.
 */
import type { ClientApiContext } from '@lattice/client-api';
import { Router } from 'express';
import { listenForPurgedRooms } from '../../purge/purged-room-caches.js';
import { backgroundUpdatesRouter } from '../background-updates.js';
import { purgeHistoryRouter } from '../purge-history.js';
import { deleteRoomRouter } from './delete-room.js';
import { forwardExtremitiesRouter } from './forward-extremities.js';
import { makeRoomAdminRouter } from './make-room-admin.js';
import { roomBlockRouter } from './room-block.js';
import { roomMessagesRouter } from './room-messages.js';
import { roomReadsRouter } from './room-reads.js';

export function adminRoomsRouter(ctx: ClientApiContext): Router {
  listenForPurgedRooms(ctx);
  const router = Router();
  router.use(
    deleteRoomRouter(ctx),
    roomReadsRouter(ctx),
    roomMessagesRouter(ctx),
    roomBlockRouter(ctx),
    forwardExtremitiesRouter(ctx),
    makeRoomAdminRouter(ctx),
    purgeHistoryRouter(ctx),
    backgroundUpdatesRouter(ctx),
  );
  return router;
}
