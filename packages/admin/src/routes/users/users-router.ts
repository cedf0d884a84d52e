/** The user admin API (Synapse's "User Admin API"): accounts, their devices, media and moderation flags. */
import type { ClientApiContext } from '@lattice/client-api';
import { Router } from 'express';
import { adminFlagRouter } from './admin-flag.js';
import { deactivateRouter } from './deactivate.js';
import { joinedRoomsRouter } from './joined-rooms.js';
import { listUsersRouter } from './list-users.js';
import { resetPasswordRouter } from './reset-password.js';
import { shadowBanRouter } from './shadow-ban.js';
import { userAccountRouter } from './user-account.js';
import { userDevicesRouter } from './user-devices.js';
import { userMediaRouter } from './user-media.js';
import { usernameAvailableRouter } from './username-available.js';
import { whoisRouter } from './whois.js';

export function usersRouter(ctx: ClientApiContext): Router {
  const router = Router();
  router.use(
    listUsersRouter(ctx),
    userAccountRouter(ctx),
    deactivateRouter(ctx),
    resetPasswordRouter(ctx),
    adminFlagRouter(ctx),
    shadowBanRouter(ctx),
    whoisRouter(ctx),
    joinedRoomsRouter(ctx),
    userDevicesRouter(ctx),
    userMediaRouter(ctx),
    usernameAvailableRouter(ctx),
  );
  return router;
}
