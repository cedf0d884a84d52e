/**
 * The client-api test server with this package's router mounted beside the
 * client API, as apps/homeserver mounts it.
 */
import { Router } from 'express';
import { syncRouter } from '@lattice/sync';
import { startTestServer, v3, type Credentials, type DbKind, type TestServer, type TestServerOptions } from '../../../client-api/test/support/test-server.js';

export async function startSyncTestServer(kind: DbKind, options: Omit<TestServerOptions, 'app'> = {}): Promise<TestServer> {
  const late = Router();
  const hs = await startTestServer(kind, { ...options, app: { routers: [late] } });
  late.use(syncRouter(hs.ctx));
  return hs;
}

export interface SyncBody {
  next_batch: string;
  account_data: { events: Array<{ type: string; content: Record<string, unknown> }> };
  rooms: {
    join: Record<string, JoinedRoom>;
    invite: Record<string, { invite_state: { events: Array<Record<string, unknown>> } }>;
    leave: Record<string, JoinedRoom>;
    knock: Record<string, { knock_state: { events: Array<Record<string, unknown>> } }>;
  };
  [key: string]: unknown;
}

export interface SyncEvent {
  type: string;
  event_id: string;
  sender: string;
  state_key?: string;
  content: Record<string, unknown>;
  unsigned?: Record<string, unknown>;
}

export interface JoinedRoom {
  timeline: { events: SyncEvent[]; limited: boolean; prev_batch: string };
  state: { events: SyncEvent[] };
  ephemeral?: { events: Array<{ type: string; content: Record<string, unknown> }> };
  account_data: { events: Array<{ type: string; content: Record<string, unknown> }> };
  unread_notifications?: { notification_count: number; highlight_count: number };
  unread_thread_notifications?: Record<string, { notification_count: number; highlight_count: number }>;
  summary?: Record<string, unknown>;
}

export interface SyncQuery {
  since?: string;
  timeout?: number;
  filter?: string | Record<string, unknown>;
  full_state?: boolean;
}

/** GET /sync; throws unless 200. */
export async function sync(hs: TestServer, user: Credentials, query: SyncQuery = {}): Promise<SyncBody> {
  const reply = await syncReply(hs, user, query);
  if (reply.status !== 200) throw new Error(`sync failed: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body as SyncBody;
}

export function syncReply(hs: TestServer, user: Credentials, query: SyncQuery = {}) {
  const params = new URLSearchParams();
  if (query.since !== undefined) params.set('since', query.since);
  if (query.timeout !== undefined) params.set('timeout', String(query.timeout));
  if (query.full_state !== undefined) params.set('full_state', String(query.full_state));
  if (query.filter !== undefined) params.set('filter', typeof query.filter === 'string' ? query.filter : JSON.stringify(query.filter));
  return hs.request('GET', v3(`/sync?${params}`), { token: user.access_token });
}
