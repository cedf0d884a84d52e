/**
 * The client-api test server with /sync and the admin API mounted as the
 * homeserver mounts them, plus helpers for the rooms admin tests: an admin
 * user, admin requests and polling of background jobs.
 */
import { Router } from 'express';
import { syncRouter } from '@lattice/sync';
import { adminRouter } from '@lattice/admin';
import { startTestServer, type Credentials, type DbKind, type Reply, type TestServer, type TestServerOptions } from '../../../client-api/test/support/test-server.js';

export interface AdminTestServer extends TestServer {
  admin: Credentials;
  /** A request to /_synapse/admin + path with the admin's token. */
  adminRequest<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<Reply<T>>;
  /** Polls a GET until `done` holds for its body (jobs run in the background). */
  poll<T = Record<string, unknown>>(path: string, done: (body: T) => boolean): Promise<T>;
}

export async function startAdminTestServer(kind: DbKind, options: TestServerOptions = {}): Promise<AdminTestServer> {
  const late = Router();
  const hs = await startTestServer(kind, { ...options, app: { routers: [late] } });
  late.use(syncRouter(hs.ctx), adminRouter(hs.ctx));
  const admin = await hs.createUser('admin');
  await hs.db.query('UPDATE users SET admin = TRUE WHERE user_id = $1', [admin.user_id]);
  const adminRequest = <T>(method: string, path: string, body?: unknown) =>
    hs.request<T>(method, `/_synapse/admin${path}`, { token: admin.access_token, ...(body === undefined ? {} : { body }) });
  async function poll<T>(path: string, done: (body: T) => boolean): Promise<T> {
    for (let i = 0; i < 600; i++) {
      const reply = await adminRequest<T>('GET', path);
      if (reply.status === 200 && done(reply.body)) return reply.body;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`${path} never reached the expected state`);
  }
  return { ...hs, admin, adminRequest, poll };
}

export const enc = encodeURIComponent;
