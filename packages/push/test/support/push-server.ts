/**
 * The client-api test server with /sync and this package mounted as
 * apps/homeserver mounts them: the push routes, m.push_rules in /sync, and
 * notification evaluation on the server's own persister.
 */
import { Router } from 'express';
import { syncRouter } from '@lattice/sync';
import { createPushModule, type PushModule, type PushModuleOptions } from '@lattice/push';
import { startTestServer, type DbKind, type TestServer } from '../../../client-api/test/support/test-server.js';

export interface PushTestServer extends TestServer {
  push: PushModule;
}

/** The test push gateway listens on loopback, which the outbound address policy refuses by default. */
export const LOOPBACK_GATEWAY_ALLOWED = 'ip_range_whitelist: ["127.0.0.1/32"]\n';

export async function startPushTestServer(kind: DbKind, options: PushModuleOptions = {}, yaml = LOOPBACK_GATEWAY_ALLOWED): Promise<PushTestServer> {
  const late = Router();
  const hs = await startTestServer(kind, { app: { routers: [late] }, yaml });
  const push = createPushModule(hs.ctx, options);
  late.use(syncRouter(hs.ctx, { extensions: [push.syncExtension] }), push.router);
  return {
    ...hs,
    push,
    close: async () => {
      await push.close();
      await hs.close();
    },
  };
}
