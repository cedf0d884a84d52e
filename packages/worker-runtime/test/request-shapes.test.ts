/**
 * Requests and responses of an API app served by a listener share one hidden
 * class across requests (app-born-requests.ts), over real HTTP. express
 * re-prototypes each request it receives, and in V8 that gave every request
 * and response a shape of its own, so every property access on them missed
 * the inline caches. V8's own %HaveSameMap tells whether two objects share
 * their hidden class.
 */
import http from 'node:http';
import v8 from 'node:v8';
import type { Request, Response } from 'express';
import { apiApp } from '@lattice/client-api';
import type { HomeserverConfig, ListenerConfig } from '@lattice/core';
import { closeListeners, startListeners } from '../src/bootstrap/listeners.js';

v8.setFlagsFromString('--allow-natives-syntax');
// Compiled after the flag is set: natives syntax is read when a function is parsed.
const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

const listener = { port: 0, bind_addresses: ['127.0.0.1'], type: 'http', tls: false, x_forwarded: false, resources: [{ names: ['client'] }] };
const quiet = { info: () => undefined };

/** Sends two requests through the app's middleware chain; resolves with what the route handler saw. */
async function twoRequests(): Promise<Array<{ req: Request; res: Response }>> {
  const seen: Array<{ req: Request; res: Response }> = [];
  const app = apiApp({ leading: [(req, _res, next) => ((req as Request & { note?: string }).note = 'leading', next())] });
  app.put('/rooms/:roomId/send/:txnId', (req, res) => {
    seen.push({ req, res });
    res.json({ ok: true });
  });
  const listeners = await startListeners({ listeners: [listener] } as unknown as HomeserverConfig, (_l: ListenerConfig) => app, quiet);
  try {
    const agent = new http.Agent({ keepAlive: true });
    for (const txn of ['a', 'b']) {
      const res = await fetchVia(agent, `${listeners[0]!.url}/rooms/!r:x/send/${txn}`);
      expect(res).toEqual({ ok: true });
    }
    agent.destroy();
  } finally {
    await closeListeners(listeners);
  }
  return seen;
}

function fetchVia(agent: http.Agent, url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'PUT', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(JSON.parse(body)));
    });
    req.on('error', reject);
    req.end('{}');
  });
}

test('two requests through the same middleware chain share their hidden class, and so do their responses', async () => {
  const [first, second] = await twoRequests();
  expect(first!.req.params).toEqual({ roomId: '!r:x', txnId: 'a' });
  expect(second!.req.get('content-type')).toBe('application/json');
  expect(haveSameMap(first!.req, second!.req)).toBe(true);
  expect(haveSameMap(first!.res, second!.res)).toBe(true);
});

test('a request still answers to its own app, whose express methods it has', async () => {
  const [{ req, res }] = await twoRequests();
  expect(req.app.get('etag')).toBe(false);
  expect(typeof res.json).toBe('function');
  expect(res.app).toBe(req.app);
});
