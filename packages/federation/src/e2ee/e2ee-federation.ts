/**
 * End-to-end encryption across federation, put together: the endpoints other
 * servers call for this server's users' keys, the RemoteKeysClient that
 * @lattice/e2ee's client routes use for other servers' users, the handlers of
 * the inbound EDUs, and (where the federation sender runs) the sender of
 * this server's device list updates, the forgetting of device lists nobody
 * shares a room with any more and the pruning of received message ids.
 */
import { createE2eeServices, type RemoteKeysClient } from '@lattice/e2ee';
import type { Router } from 'express';
import type { FederationDeps } from '../api.js';
import type { EduDispatcher } from '../inbound/edu-dispatcher.js';
import { deviceListUpdateHandler, signingKeyUpdateHandler } from './device-list-edus.js';
import { DeviceListSender } from './device-list-sender.js';
import { FederatedRemoteKeys, type EduQueue } from './federated-remote-keys.js';
import { DeviceListResync } from './remote-device-resync.js';
import { directToDeviceHandler, pruneReceivedToDevice } from './to-device-edus.js';
import { forgetUntrackedLists } from './untracked-lists.js';
import { userKeysRoutes } from './user-keys-routes.js';

const PRUNE_INTERVAL_MS = 3600_000;

export interface E2eeFederation {
  /** GET /user/devices/{userId}, POST /user/keys/query and /user/keys/claim (behind X-Matrix auth). */
  router: Router;
  /** For createE2ee(ctx, { remote }). */
  remoteKeys: RemoteKeysClient;
  /** m.device_list_update, m.signing_key_update and m.direct_to_device. */
  registerEdus(dispatcher: EduDispatcher): void;
  /** Sends local device list changes to other servers; where the federation sender runs. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createE2eeFederation(deps: FederationDeps, edus: EduQueue): E2eeFederation {
  const { ctx } = deps;
  const services = createE2eeServices(ctx);
  const resync = new DeviceListResync(deps.client, services, ctx.logger);
  const remoteKeys = new FederatedRemoteKeys({ db: ctx.db, client: deps.client, resync, edus, logger: ctx.logger });
  const sender = new DeviceListSender({ db: ctx.db, hub: ctx.rooms.hub, serverName: deps.serverName, edus, logger: ctx.logger });
  const handlerDeps = { services, resync, logger: ctx.logger };
  let pruning: NodeJS.Timeout | undefined;
  let forgetting: (() => void) | undefined;
  return {
    router: userKeysRoutes(ctx.db, deps.serverName),
    remoteKeys,
    registerEdus(dispatcher) {
      dispatcher.register('m.device_list_update', deviceListUpdateHandler(handlerDeps));
      dispatcher.register('m.signing_key_update', signingKeyUpdateHandler(handlerDeps));
      dispatcher.register('m.direct_to_device', directToDeviceHandler(services, ctx.logger));
    },
    async start() {
      const prune = () => pruneReceivedToDevice(ctx.db, Date.now()).catch((err: unknown) => ctx.logger.warn({ err }, 'pruning to-device ids failed'));
      pruning = setInterval(() => void prune(), PRUNE_INTERVAL_MS);
      pruning.unref();
      forgetting = forgetUntrackedLists(ctx.db, ctx.rooms.hub, deps.serverName, ctx.logger);
      await sender.start();
    },
    async stop() {
      clearInterval(pruning);
      forgetting?.();
      await sender.stop();
    },
  };
}
