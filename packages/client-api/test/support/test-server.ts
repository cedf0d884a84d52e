/**
 * A real client-api app on an ephemeral port over a fresh test database, with
 * the full room services (test/support/room-services.ts), and a small fetch wrapper. Setup shortcuts (creating users) go through the same
 * account code the endpoints use.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { parseConfig, type HomeserverConfig } from '@lattice/core';
import { createTestDatabase, type Database } from '@lattice/storage';
import { pino } from 'pino';
import { createClientApiApp, registerAccount, type ClientApiAppOptions, type ClientApiContext } from '@lattice/client-api';
import { createTestRoomServices } from './room-services.js';
import { TEST_PASSWORD_HASHING_ENV } from '../../../../tests/support/test-password-hashing.js';

export type DbKind = 'postgres' | 'pglite';
export const DB_KINDS: DbKind[] = ['pglite', 'postgres'];

export const SERVER_NAME = 'test.local';

const BASE_CONFIG = `
server_name: ${SERVER_NAME}
public_baseurl: https://matrix.test.local/
enable_registration: true
enable_registration_without_verification: true
registration_shared_secret: test-shared-secret
max_request_body_size: 4096
# Tests log in and register far more often than people do.
rc_registration: { per_second: 1000, burst_count: 1000 }
rc_login:
  address: { per_second: 1000, burst_count: 1000 }
  account: { per_second: 1000, burst_count: 1000 }
  failed_attempts: { per_second: 1000, burst_count: 1000 }
`;

/**
 * Suites send, join, invite and create rooms in bursts: these limits are
 * lifted unless a test's own yaml sets them (rate-limit tests do).
 */
const GENEROUS = '{ per_second: 1000, burst_count: 1000 }';
const GENEROUS_RATE_LIMITS: Record<string, string> = {
  rc_message: GENEROUS,
  rc_joins: `{ local: ${GENEROUS}, remote: ${GENEROUS} }`,
  rc_joins_per_room: GENEROUS,
  rc_invites: `{ per_room: ${GENEROUS}, per_user: ${GENEROUS}, per_issuer: ${GENEROUS} }`,
  rc_room_creation: GENEROUS,
  rc_media_create: GENEROUS,
};

function withGenerousRateLimits(yaml: string): string {
  const unset = Object.entries(GENEROUS_RATE_LIMITS).filter(([key]) => !new RegExp(`^${key}:`, 'm').test(yaml));
  return yaml + unset.map(([key, value]) => `\n${key}: ${value}`).join('') + '\n';
}

export interface Reply<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  body?: unknown;
  /** Sent verbatim instead of JSON-encoding `body`. */
  raw?: string | Buffer;
  token?: string;
  headers?: Record<string, string>;
}

export interface TestServer {
  url: string;
  ctx: ClientApiContext;
  db: Database;
  request<T = Record<string, unknown>>(method: string, path: string, opts?: RequestOptions): Promise<Reply<T>>;
  /** Creates a user directly and logs a device in; returns its credentials. */
  createUser(localpart: string, password?: string, options?: { refreshable?: boolean }): Promise<Credentials>;
  close(): Promise<void>;
}

export interface Credentials {
  user_id: string;
  access_token: string;
  device_id: string;
  refresh_token?: string;
  password: string;
}

/** `/_matrix/client/v3` + path. */
export const v3 = (path: string) => `/_matrix/client/v3${path}`;

export interface TestServerOptions {
  /** Extra homeserver.yaml lines, validated like an operator's file. */
  yaml?: string;
  /** Applied after parsing, for settings the validator would refuse in combination. */
  config?: Partial<HomeserverConfig>;
  app?: ClientApiAppOptions;
}

export async function startTestServer(kind: DbKind, options: TestServerOptions = {}): Promise<TestServer> {
  const db = await createTestDatabase(kind);
  const config = { ...parseConfig(withGenerousRateLimits(BASE_CONFIG + (options.yaml ?? '')), { env: TEST_PASSWORD_HASHING_ENV, configDir: '/tmp' }), ...options.config };
  const logger = pino({ level: 'silent' });
  const rooms = await createTestRoomServices(db, config, logger);
  const ctx: ClientApiContext = { config, db, logger, rooms };
  const app = createClientApiApp(ctx, options.app);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<Reply<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token !== undefined) headers.Authorization = `Bearer ${opts.token}`;
    let body: string | Buffer | undefined = opts.raw;
    if (body === undefined && opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['Content-Type'] ??= 'application/json';
    }
    const res = await fetch(url + path, { method, headers, body });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
  }

  async function createUser(localpart: string, password = 'correct horse battery staple', options: { refreshable?: boolean } = {}) {
    const account = await registerAccount(ctx, { localpart, password, session: { refreshable: options.refreshable ?? false } });
    return { ...(account as Required<typeof account>), password };
  }

  return {
    url,
    ctx,
    db,
    request,
    createUser,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await rooms.close();
      await db.close();
    },
  };
}
