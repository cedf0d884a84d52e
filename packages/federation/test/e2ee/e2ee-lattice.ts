/**
 * Two-server test support for end-to-end encryption: the e2ee client routes
 * and /sync sections, wired to federation as apps/homeserver wires them
 * (RemoteKeysClient over federation, EDU handlers, the device list sender),
 * plus a record of the e2ee federation requests each server received.
 */
import { Router } from 'express';
import { DeviceListeners, registerAccount } from '@lattice/client-api';
import { createE2ee } from '@lattice/e2ee';
import {
  createE2eeFederation,
  type E2eeFederation,
  type FederationClient,
  type FederationDeps,
  type FederationSender,
} from '../../src/index.js';
import type { ExtendLattice, Lattice } from '../rooms/lattice-pair.js';
import type { Credentials } from '../../../client-api/test/support/test-server.js';

export interface E2eeRecorder {
  /** Paths of /user/devices and /user/keys/* requests this server answered. */
  requests: string[];
  /** The server's own federation client (signed requests to the other server). */
  client?: FederationClient;
  /** What the server was built from, and its running e2ee federation (tests stop and replace it). */
  deps?: FederationDeps;
  sender?: FederationSender;
  federation?: E2eeFederation;
}

/** An ExtendLattice adding end-to-end encryption; the recorder fills as requests arrive. */
export function withE2ee(recorder: E2eeRecorder): ExtendLattice {
  return async ({ deps, sender, fed }) => {
    deps.ctx.devices ??= new DeviceListeners();
    recorder.client = deps.client;
    recorder.deps = deps;
    recorder.sender = sender;
    const federation = createE2eeFederation(deps, sender);
    federation.registerEdus(fed.edus);
    await federation.start();
    recorder.federation = federation;
    const e2ee = createE2ee(deps.ctx, { remote: federation.remoteKeys });
    const record = Router();
    record.use('/_matrix/federation/v1/user', (req, _res, next) => {
      recorder.requests.push(req.originalUrl);
      next();
    });
    return {
      clientRouters: [e2ee.router],
      federationRouters: [record, federation.router],
      syncExtensions: [e2ee.syncExtension],
      stop: () => recorder.federation!.stop(),
    };
  };
}

/** A user with a logged-in device (credentials as the e2ee test helpers take them). */
export async function createCredentials(server: Lattice, localpart: string): Promise<Credentials> {
  const account = await registerAccount(server.ctx, { localpart, password: 'pw', session: { refreshable: false } });
  return { user_id: account.user_id, access_token: account.access_token!, device_id: account.device_id!, password: 'pw' };
}
