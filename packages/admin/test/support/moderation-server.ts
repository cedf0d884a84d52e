/**
 * The client-api test server with the media repository and the admin API
 * mounted as the client-facing processes mount them, over a fresh media
 * store in a temp directory, with an admin account.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Router } from 'express';
import { adminRouter } from '@lattice/admin';
import { MediaRepository, mediaRouter } from '@lattice/media';
import { filesUnder } from '../../../media/test/support/media-server.js';
import { startTestServer, type Credentials, type DbKind, type Reply, type TestServer, type TestServerOptions } from '../../../client-api/test/support/test-server.js';

export interface ModerationTestServer extends TestServer {
  admin: Credentials;
  storePath: string;
  /** A request to /_synapse/admin + path, with the admin's token unless another is given. */
  adminRequest<T = Record<string, unknown>>(method: string, path: string, opts?: { body?: unknown; token?: string }): Promise<Reply<T>>;
  /** Every file under the media store, relative to it. */
  storedFiles(): Promise<string[]>;
}

export async function startModerationServer(kind: DbKind, options: Omit<TestServerOptions, 'app'> = {}): Promise<ModerationTestServer> {
  const sandbox = await mkdtemp(join(tmpdir(), 'lattice-moderation-'));
  const storePath = join(sandbox, 'store');
  const late = Router();
  const hs = await startTestServer(kind, {
    ...options,
    config: { media_store_path: storePath, thumbnail_sizes: [], ...options.config },
    app: { routers: [late] },
  });
  late.use(mediaRouter(hs.ctx, MediaRepository.fromConfig(hs.ctx.db, hs.ctx.config)), adminRouter(hs.ctx));
  const admin = await hs.createUser('admin');
  await hs.db.query('UPDATE users SET admin = TRUE WHERE user_id = $1', [admin.user_id]);
  return {
    ...hs,
    admin,
    storePath,
    adminRequest: <T>(method: string, path: string, opts: { body?: unknown; token?: string } = {}) =>
      hs.request<T>(method, `/_synapse/admin${path}`, { token: opts.token ?? admin.access_token, body: opts.body }),
    storedFiles: () => filesUnder(storePath),
    close: async () => {
      await hs.close();
      await rm(sandbox, { recursive: true, force: true });
    },
  };
}

export const enc = encodeURIComponent;
