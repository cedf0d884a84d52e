/**
 * What each role runs besides replication (ARCHITECTURE.md §2): the features
 * of the single process (apps/homeserver/src/homeserver-app.ts), split by
 * role. Client-facing roles mount the same client handlers; nginx decides
 * which paths reach which role, so a replica answering a path meant for
 * another role still answers it correctly (as Synapse's generic workers do).
 * Background work runs where it belongs: presence timers on presence
 * writers, the push fan-out next to the local persister, push sending on the
 * federation sender.
 */
import type { Express } from 'express';
import { DeviceListeners, createClientApiApp, type ApiAppOptions, type ClientApiContext } from '@lattice/client-api';
import type { SigningKey, WorkerRole } from '@lattice/core';
import {
  BackingOffOrigins,
  FederationBackfill,
  FederationHierarchy,
  FederationQueries,
  FederationSender,
  OutboundMembership,
  OutboxEduQueue,
  PRESENCE_EDU,
  RECEIPT_EDU,
  TYPING_EDU,
  createE2eeFederation,
  createFederationApp,
  createFederationTransport,
  federationRoomsRouter,
  federationRouter,
  presenceEduHandler,
  receiptEduHandler,
  typingEduHandler,
  type E2eeFederation,
  type EduDispatcher,
} from '@lattice/federation';
import { createPresenceFeatures, type PresenceService } from '@lattice/presence';
import { createPushModule, type PushModule } from '@lattice/push';
import { MediaRepository, federationMediaRouter } from '@lattice/media';
import { installAppserviceAuth } from '@lattice/appservice';
import { listenForPurgedRooms } from '@lattice/admin';
import { clientFeatures } from './client-features.js';
import { startFederationSenderRole } from './federation-sender-role.js';
import { startAdminBackgroundWork } from './admin-background.js';
import { presenceWriterLink } from '../internal/remote-presence-writer.js';
import { EduForwarder } from '../internal/edu-forwarder.js';
import { senderWakeForwarder } from '../internal/sender-wake-forwarder.js';

export interface RoleFeatures {
  /** The app of the role's public listener, after the listener's own leading handlers; absent for roles without public traffic. */
  publicApp?: (options: ApiAppOptions) => Express;
  /** The process's presence service, on client-facing roles (a presence writer serves forwarded changes with it). */
  presence?: PresenceService;
  /** The federation sender, on federation-sender instances (it serves wakes of its destinations). */
  federationSender?: FederationSender;
  close(): Promise<void>;
}

export function roleFeatures(role: WorkerRole, base: ClientApiContext, signingKey: SigningKey): RoleFeatures {
  const ctx: ClientApiContext = { ...base, devices: new DeviceListeners() };
  // Appservice registrations are validated here, at start-up, in every role.
  installAppserviceAuth(ctx);
  // Rooms purged (admin API, retention) leave every process's caches and persister memory, whichever role.
  listenForPurgedRooms(ctx);
  switch (role) {
    case 'event-persister':
      // Notifications are evaluated as this persister's events commit; the federation sender sends them.
      return closing(createPushModule(ctx, { sendPushes: false }));
    case 'federation-sender':
      return startFederationSenderRole(ctx, signingKey);
    case 'federation-inbound': {
      const presence = createPresenceFeatures(ctx);
      // This server's media for other servers, behind the federation router's X-Matrix check.
      const media = federationMediaRouter(ctx, MediaRepository.fromConfig(ctx.db, ctx.config), []);
      const deps = { ...createFederationTransport(ctx, signingKey), ctx };
      // The federation sender owning a destination: told when this process queued for it, or heard from it.
      const waker = senderWakeForwarder(ctx);
      // Other servers' queries of this server's users' devices and keys.
      const e2ee = createE2eeFederation(deps, new OutboxEduQueue(ctx.db, waker.onQueued));
      // Rooms: PDUs are staged here and written by each room's persister (rooms.remoteEvents); joins, leaves
      // and knocks accepted here go to the outbox the federation-sender role sends from.
      const outbox = new FederationSender(deps, { queueOnly: true, onQueued: waker.onQueued });
      const rooms = federationRoomsRouter(deps, { forward: (event, origin) => outbox.forward(event, origin) });
      registerWritableEduHandlers(rooms.edus, ctx, e2ee);
      rooms.processor.resume().catch((err: unknown) => ctx.logger.error({ err }, 'resuming staged federation PDUs failed'));
      // A backing-off server that talks to us is up: the sender owning it retries it now.
      const backingOff = new BackingOffOrigins(ctx.db, (destination) => waker.wake(destination), ctx.logger);
      const routes = federationRouter(deps, [rooms.router, e2ee.router, media], { heardFrom: (origin) => backingOff.heardFrom(origin) });
      return {
        publicApp: (options) => createFederationApp(ctx.logger, [presence.federationRouter, routes], options),
        close: async () => presence.stop(),
      };
    }
    case 'client-reader':
    case 'sync':
    case 'media':
    case 'homeserver':
      return clientFacing(ctx, signingKey);
  }
}

function clientFacing(ctx: ClientApiContext, signingKey: SigningKey): RoleFeatures {
  const federation = createFederationTransport(ctx, signingKey);
  const deps = { ...federation, ctx };
  ctx.remoteQueries = new FederationQueries(federation.client);
  ctx.remoteHierarchy = new FederationHierarchy(federation.client);
  // Local users' joins of remote rooms and older history: written by the room's persister (rooms.remoteEvents).
  ctx.remoteMembership = new OutboundMembership(deps);
  ctx.remoteBackfill = new FederationBackfill(deps);
  const features = clientFeatures(ctx, {
    // Presence timers write the presence stream: only its writers run them.
    runsPresenceTimers: ctx.rooms.hub.writes('presence'),
    // Pushes leave from the federation sender.
    sendsPushes: false,
    remoteMedia: federation.media,
    // Other servers' users' keys; their to-device messages go to the outbox the federation sender sends from,
    // and that sender is told to send them now.
    remoteKeys: createE2eeFederation(deps, new OutboxEduQueue(ctx.db, senderWakeForwarder(ctx).onQueued)).remoteKeys,
    // Presence of users this process does not keep goes to their presence writer.
    presenceLink: presenceWriterLink(ctx.config, { hub: ctx.rooms.hub, userWrites: ctx.rooms.userWrites, logger: ctx.logger }),
  });
  // Interrupted admin jobs and retention purges, where the caches stream is written.
  const admin = startAdminBackgroundWork(ctx);
  return {
    publicApp: (options) => createClientApiApp(ctx, { ...options, routers: features.routers }),
    presence: features.presence.presence,
    close: () => {
      admin.stop();
      return features.close();
    },
  };
}

/**
 * Inbound EDUs whose handlers write streams this process writes (stream_writers): receipts, device lists and
 * to-device messages when federation-inbound is named among their writers. Typing (one writer) and presence
 * (writers keep users) go to their writers over the internal API (EduForwarder) unless this process is one.
 */
function registerWritableEduHandlers(edus: EduDispatcher, ctx: ClientApiContext, e2ee: E2eeFederation): void {
  const { hub } = ctx.rooms;
  if (hub.writes('receipts')) edus.register(RECEIPT_EDU, receiptEduHandler(ctx));
  if (hub.writes('device_lists') && hub.writes('to_device')) e2ee.registerEdus(edus);
  const forwarder = new EduForwarder(ctx.config, hub, ctx.logger);
  const writesTyping = ctx.config.stream_writers.typing.includes(hub.instanceName);
  edus.register(TYPING_EDU, writesTyping ? typingEduHandler(ctx) : forwarder.typing());
  edus.register(PRESENCE_EDU, hub.writes('presence') ? presenceEduHandler(ctx) : forwarder.presence());
}

function closing(push: PushModule): RoleFeatures {
  return { close: () => push.close() };
}
