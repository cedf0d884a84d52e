/**
 * The room and user directory endpoints (issue 3): aliases, published room
 * visibility, /publicRooms and the user directory search.
 */
import { Router } from 'express';
import type { ClientApiContext } from '../../context.js';
import { aliasRouter } from './alias-routes.js';
import { publicRoomsRouter } from './public-rooms-routes.js';
import { userDirectoryRouter } from './user-directory-routes.js';
import { visibilityRouter } from './visibility-routes.js';

export function directoryRouter(ctx: ClientApiContext): Router {
  const router = Router();
  router.use(aliasRouter(ctx), visibilityRouter(ctx), publicRoomsRouter(ctx), userDirectoryRouter(ctx));
  return router;
}
