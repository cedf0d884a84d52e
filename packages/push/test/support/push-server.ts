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

export async function startPushTestServer(kind: DbKind, options: PushModuleOptions = {}): Promise<PushTestServer> {
  const late = Router();
  const hs = await startTestServer(kind, { app: { routers: [late] } });
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
