/**
 * @lattice/e2ee's entry point: the end-to-end encryption routes under the
 * client API prefixes (and MSC3814's unstable prefix), the /sync extension,
 * and the clean-up when devices are deleted. Mounted beside the client API
 * router (apps/homeserver).
 */
import { CLIENT_API_PREFIXES, rawBody, type ClientApiContext } from '@lattice/client-api';
import type { SyncExtension } from '@lattice/sync';
import { Router } from 'express';
import { watchDeviceChanges } from './device-lists/device-removal.js';
import { crossSigningRouter } from './routes/cross-signing.js';
import { dehydratedDeviceRouter } from './routes/dehydrated-device.js';
import { keyBackupRouter } from './routes/key-backup.js';
import { keysRouter } from './routes/keys.js';
import { toDeviceRouter } from './routes/to-device.js';
import { createE2eeServices, type E2eeServices, type E2eeServicesOptions } from './services.js';
import { E2eeSyncExtension } from './sync/e2ee-sync-extension.js';

export interface E2ee {
  router: Router;
  syncExtension: SyncExtension;
  services: E2eeServices;
}

export function createE2ee(ctx: ClientApiContext, options: E2eeServicesOptions = {}): E2ee {
  const services = createE2eeServices(ctx, options);
  watchDeviceChanges(services);
  const versioned = Router();
  versioned.use(rawBody(ctx.config.max_request_body_size));
  versioned.use(keysRouter(services), crossSigningRouter(services), toDeviceRouter(services), keyBackupRouter(services));
  const router = Router();
  router.use(CLIENT_API_PREFIXES, versioned);
  router.use(dehydratedDeviceRouter(services));
  return { router, syncExtension: new E2eeSyncExtension(ctx.db), services };
}
