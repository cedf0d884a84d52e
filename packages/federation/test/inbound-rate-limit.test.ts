/**
 * rc_federation on inbound requests, per origin server: more than
 * reject_limit requests in a window are refused with 429, at most
 * `concurrent` run at once, and a caller that hangs up while queued gives its
 * turn away. Over real HTTP; the origin is what X-Matrix authentication would
 * have set (here taken from a header by the middleware standing in for it).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Router } from 'express';
import { pino } from 'pino';
import { createFederationApp } from '../src/server/federation-app.js';
import { federationRateLimit } from '../src/transport/inbound-rate-limit.js';

type Limits = Parameters<typeof federationRateLimit>[0];

interface Harness {
  url: string;
  maxRunning: () => number;
  /** Releases every /held request that is waiting. */
  release: () => void;
  entered: string[];
  close(): Promise<void>;
}

async function serve(limits: Limits): Promise<Harness> {
  let running = 0;
  let maxRunning = 0;
  let waiting: Array<() => void> = [];
  const entered: string[] = [];
  const router = Router();
  router.use((req, _res, next) => {
    req.federationOrigin = req.headers['x-origin'] as string;
    next();
  });
  router.use(federationRateLimit(limits));
  router.get('/:kind/:id', async (req, res) => {
    entered.push(req.params.id);
    running++;
    maxRunning = Math.max(maxRunning, running);
    // "held" requests wait for the test; "brief" ones overlap with whatever else is let in.
    await new Promise<void>((resolve) => (req.params.kind === 'held' ? waiting.push(resolve) : setTimeout(resolve, 20)));
    running--;
    res.json({ id: req.params.id });
  });
  const app = createFederationApp(pino({ level: 'silent' }), [router]);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    maxRunning: () => maxRunning,
    release: () => {
      const released = waiting;
      waiting = [];
      for (const resolve of released) resolve();
    },
    entered,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const get = (h: Harness, path: string, origin: string, signal?: AbortSignal) => fetch(`${h.url}${path}`, { headers: { 'x-origin': origin }, signal });

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!condition()) throw new Error('condition never held');
}

describe('federation rate limiting (rc_federation)', () => {
  test('past reject_limit in a window, an origin is refused with 429, Retry-After and retry_after_ms; others are not', async () => {
    const h = await serve({ window_size: 60_000, sleep_limit: 100, sleep_delay: 0, reject_limit: 3, concurrent: 10 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await get(h, `/brief/${i}`, 'a.example')).status);
      expect(statuses).toEqual([200, 200, 200, 200]);
      const refused = await get(h, '/brief/x', 'a.example');
      const body = (await refused.json()) as { errcode: string; retry_after_ms: number };
      expect([refused.status, body.errcode]).toEqual([429, 'M_LIMIT_EXCEEDED']);
      expect(body.retry_after_ms).toBeGreaterThan(0);
      expect(refused.headers.get('retry-after')).toBe(String(Math.ceil(body.retry_after_ms / 1000)));
      expect(h.entered).not.toContain('x');
      expect((await get(h, '/brief/other', 'b.example')).status).toBe(200);
    } finally {
      await h.close();
    }
  });

  test.each([1, 2])('at most %i request(s) of one origin run at once; the rest wait their turn', async (concurrent) => {
    const h = await serve({ window_size: 1000, sleep_limit: 100, sleep_delay: 0, reject_limit: 100, concurrent });
    try {
      const replies = await Promise.all([0, 1, 2, 3, 4].map((i) => get(h, `/brief/${i}`, 'a.example')));
      expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      expect(h.maxRunning()).toBe(concurrent);
    } finally {
      await h.close();
    }
  });

  test('a caller that hangs up while queued gives its turn away', async () => {
    const h = await serve({ window_size: 1000, sleep_limit: 100, sleep_delay: 0, reject_limit: 100, concurrent: 1 });
    try {
      const first = get(h, '/held/first', 'a.example');
      await until(() => h.entered.includes('first'));
      const abort = new AbortController();
      const queued = get(h, '/held/gone', 'a.example', abort.signal).catch(() => undefined);
      // Let the queued request reach the server before hanging up.
      await new Promise((resolve) => setTimeout(resolve, 50));
      abort.abort();
      await queued;
      // …and the server to see the connection close.
      await new Promise((resolve) => setTimeout(resolve, 50));
      h.release();
      expect((await first).status).toBe(200);
      const next = get(h, '/held/next', 'a.example');
      await until(() => h.entered.includes('next'));
      h.release();
      expect((await next).status).toBe(200);
      expect(h.entered).not.toContain('gone');
    } finally {
      await h.close();
    }
  });
});
