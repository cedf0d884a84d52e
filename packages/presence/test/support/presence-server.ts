/**
 * A test server with /sync (carrying the presence extension), presence, VoIP
 * and OpenID mounted as apps/homeserver mounts them, and a clock the test
 * moves to fire the presence timers (the sweep runs only when the test calls it).
 */
import { Router } from 'express';
import { syncRouter, type SyncExtension } from '@lattice/sync';
import { createPresenceFeatures, type PresenceFeatures } from '@lattice/presence';
import { startTestServer, v3, type Credentials, type DbKind, type TestServer } from '../../../client-api/test/support/test-server.js';

export interface PresenceTestServer {
  hs: TestServer;
  features: PresenceFeatures;
  /** The presence clock (ms); tests move it forward. */
  clock: { now: number };
  close(): Promise<void>;
}

export interface PresenceServerOptions {
  /** Extra homeserver.yaml lines. */
  yaml?: string;
  /** More routers and sync extensions (e.g. push rules, which matrix-js-sdk needs to start). */
  extra?: (hs: TestServer) => { routers: Router[]; extensions: SyncExtension[]; close(): Promise<void> };
}

export async function startPresenceServer(kind: DbKind, options: PresenceServerOptions = {}): Promise<PresenceTestServer> {
  const late = Router();
  const hs = await startTestServer(kind, { yaml: options.yaml ?? '', app: { routers: [late] } });
  const clock = { now: Date.now() };
  // The interval never fires during a test: sweeps happen when the test calls them.
  const features = createPresenceFeatures(hs.ctx, { now: () => clock.now, sweepIntervalMs: 24 * 3_600_000 });
  await features.start();
  const extra = options.extra?.(hs);
  late.use(
    syncRouter(hs.ctx, { extensions: [features.syncExtension, ...(extra?.extensions ?? [])] }),
    features.clientRouter,
    features.federationRouter,
    ...(extra?.routers ?? []),
  );
  return {
    hs,
    features,
    clock,
    close: async () => {
      features.stop();
      await extra?.close();
      await hs.close();
    },
  };
}

export interface PresenceEvent {
  type: string;
  sender: string;
  content: { presence: string; status_msg?: string; last_active_ago?: number; currently_active?: boolean };
}

export interface PresenceSync {
  next_batch: string;
  presence?: { events: PresenceEvent[] };
}

/** GET /sync with optional since / set_presence / timeout; throws unless 200. */
export async function presenceSync(
  hs: TestServer,
  user: Credentials,
  query: { since?: string; set_presence?: string; timeout?: number; filter?: string } = {},
  signal?: AbortSignal,
): Promise<PresenceSync> {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const res = await fetch(`${hs.url}${v3(`/sync?${params}`)}`, { headers: { Authorization: `Bearer ${user.access_token}` }, signal });
  const body = (await res.json()) as PresenceSync;
  if (res.status !== 200) throw new Error(`sync failed: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

export function presenceOf(body: PresenceSync, userId: string): PresenceEvent | undefined {
  return body.presence?.events.find((e) => e.sender === userId);
}

export const statusPath = (userId: string) => v3(`/presence/${encodeURIComponent(userId)}/status`);

export async function setPresence(hs: TestServer, user: Credentials, body: Record<string, unknown>): Promise<void> {
  const reply = await hs.request('PUT', statusPath(user.user_id), { token: user.access_token, body });
  if (reply.status !== 200) throw new Error(`PUT presence failed: ${reply.status} ${JSON.stringify(reply.body)}`);
}

export async function getPresence(hs: TestServer, observer: Credentials, userId: string) {
  return hs.request<Record<string, unknown>>('GET', statusPath(userId), { token: observer.access_token });
}
