/**
 * The client-api test server with the admin API mounted as the client-facing
 * processes mount it, an admin account, and shortcuts for admin requests.
 */
import { Router } from 'express';
import { adminRouter } from '@lattice/admin';
import { startTestServer, type Credentials, type DbKind, type Reply, type TestServer, type TestServerOptions } from '../../../client-api/test/support/test-server.js';

export { DB_KINDS, SERVER_NAME, v3, type Credentials, type DbKind, type Reply, type TestServer } from '../../../client-api/test/support/test-server.js';

export interface AdminTestServer extends TestServer {
  admin: Credentials;
  /** Mounted after the admin API: a test adds the other packages' routers it needs here. */
  lateRouter: Router;
  /** A request to /_synapse/admin + path with the admin's token (or `token`). */
  adminRequest<T = Record<string, unknown>>(method: string, path: string, body?: unknown, token?: string): Promise<Reply<T>>;
  /** Logs in with a password; the reply as it is. */
  login(userId: string, password: string): Promise<Reply>;
}

export async function startAdminTestServer(kind: DbKind, options: Omit<TestServerOptions, 'app'> = {}): Promise<AdminTestServer> {
  const late = Router();
  const hs = await startTestServer(kind, { ...options, app: { routers: [late] } });
  const lateRouter = Router();
  late.use(adminRouter(hs.ctx), lateRouter);
  const admin = await hs.createUser('admin');
  await hs.db.query('UPDATE users SET admin = TRUE WHERE user_id = $1', [admin.user_id]);
  return Object.assign(hs, {
    admin,
    lateRouter,
    adminRequest: <T>(method: string, path: string, body?: unknown, token = admin.access_token) =>
      hs.request<T>(method, `/_synapse/admin${path}`, { token, body }),
    login: (user: string, password: string) =>
      hs.request('POST', '/_matrix/client/v3/login', { body: { type: 'm.login.password', identifier: { type: 'm.id.user', user }, password } }),
  });
}

export const enc = encodeURIComponent;
