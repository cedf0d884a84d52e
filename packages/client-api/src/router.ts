/**
 * The Client-Server API routes of this slice, under both the historical r0 and
 * the canonical v3 prefix (clients still call r0 for some of them), plus the
 * unversioned discovery endpoints and Synapse's shared-secret admin registration.
 */
import { Router } from 'express';
import type { ClientApiContext } from './context.js';
import { rawBody } from './http/body.js';
import { bySegment } from './http/segment-dispatch.js';
import { accountRouter } from './routes/account.js';
import { capabilitiesRouter } from './routes/capabilities.js';
import { devicesRouter } from './routes/devices.js';
import { directoryRouter } from './routes/directory/directory-router.js';
import { loginRouter } from './routes/login.js';
import { logoutRouter } from './routes/logout.js';
import { profileRouter } from './routes/profile.js';
import { refreshRouter } from './routes/refresh.js';
import { registerRouter } from './routes/register.js';
import { roomsRouter } from './routes/rooms/rooms-router.js';
import { sharedSecretRegisterRouter } from './routes/shared-secret-register.js';
import { versionsRouter } from './routes/versions.js';
import { wellKnownRouter } from './routes/well-known.js';
import { whoamiRouter } from './routes/whoami.js';
import { timelineRouter, timelineV1Router } from './routes/timeline/timeline-router.js';
import { searchRouter } from './routes/search/search-router.js';
import { reportRouter } from './routes/report/report-router.js';
import { upgradeRouter } from './routes/upgrade/upgrade-router.js';
import { hierarchyRouter } from './routes/hierarchy/hierarchy-router.js';
import { loginTokenRouter } from './routes/login-token.js';
import { mutualRoomsRouter } from './routes/mutual-rooms.js';
import { uiaFallbackRouter } from './uia/fallback-router.js';
import { registrationTokenValidityRouter } from './routes/registration-token-validity.js';

export const CLIENT_API_PREFIXES = ['/_matrix/client/r0', '/_matrix/client/v3'];

export function createClientApiRouter(ctx: ClientApiContext): Router {
  const readBody = rawBody(ctx.config.max_request_body_size);

  const versioned = Router();
  versioned.use(readBody);
  versioned.use(
    bySegment([
      registerRouter(ctx),
      loginRouter(ctx),
      logoutRouter(ctx),
      refreshRouter(ctx),
      whoamiRouter(ctx),
      accountRouter(ctx),
      devicesRouter(ctx),
      profileRouter(ctx),
      capabilitiesRouter(ctx),
      directoryRouter(ctx),
      roomsRouter(ctx),
      timelineRouter(ctx),
      searchRouter(ctx),
      reportRouter(ctx),
      upgradeRouter(ctx),
      uiaFallbackRouter(ctx),
    ]),
  );

  const router = Router();
  router.use(wellKnownRouter(ctx), versionsRouter());
  router.use(CLIENT_API_PREFIXES, versioned);
  router.use('/_matrix/client/v1', readBody, timelineV1Router(ctx));
  router.use('/_matrix/client/v1', hierarchyRouter(ctx));
  router.use('/_matrix/client/v1', loginTokenRouter(ctx), mutualRoomsRouter(ctx));
  router.use('/_matrix/client/v1', registrationTokenValidityRouter(ctx));
  router.use('/_synapse/admin', readBody);
  router.use(sharedSecretRegisterRouter(ctx));
  return router;
}
