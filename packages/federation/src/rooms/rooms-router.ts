/**
 * The rooms side of the federation API, for the federation router to mount
 * behind its X-Matrix authentication (which sets the origin): /send, the
 * read endpoints, the membership handshakes and invites. `processor` must be
 * resumed at start-up (staged PDUs a crash left); `edus` takes the EDU
 * handlers of the modules that own them.
 */
import { Router } from 'express';
import type { FederationDeps } from '../api.js';
import { EduDispatcher } from '../inbound/edu-dispatcher.js';
import { PduProcessor } from '../inbound/pdu-processor.js';
import { sendTransactionHandler } from '../inbound/send-transaction.js';
import { inviteRoutes } from './invite-routes.js';
import { membershipRoutes, type MembershipForwarder } from './membership-routes.js';
import { readRoutes } from './read-routes.js';
import { hierarchyRoute } from './hierarchy-route.js';
import { exchangeThirdPartyInviteRoutes } from './third-party-invite-routes.js';

export interface FederationRooms {
  router: Router;
  processor: PduProcessor;
  edus: EduDispatcher;
}

export interface FederationRoomsOptions {
  edus?: EduDispatcher;
  /** Sends joins, leaves and knocks accepted here to the room's other servers (FederationSender.forward). */
  forward?: MembershipForwarder;
}

export function federationRoomsRouter(deps: FederationDeps, options: FederationRoomsOptions = {}): FederationRooms {
  const edus = options.edus ?? new EduDispatcher();
  const processor = new PduProcessor(deps);
  const router = Router();
  router.put('/_matrix/federation/v1/send/:txnId', sendTransactionHandler(deps, processor, edus));
  router.use(readRoutes(deps));
  router.use(membershipRoutes(deps, options.forward));
  router.use(inviteRoutes(deps));
  router.use(hierarchyRoute(deps));
  router.use(exchangeThirdPartyInviteRoutes(deps));
  return { router, processor, edus };
}
