import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { bySegment } from '../src/http/segment-dispatch.js';

describe('bySegment', () => {
  let server: Server;
  let url: string;
  const calls: string[] = [];

  beforeAll(async () => {
    const rooms = Router();
    rooms.route('/rooms/:roomId/send').put((_req, res) => res.send('send'));
    rooms.route('/createRoom').post((_req, res) => res.send('create'));
    const profile = Router();
    profile.route('/profile/:userId').get((_req, res) => res.send('profile'));
    // A second router under the same segment: reached when the first has no matching route.
    const rooms2 = Router();
    rooms2.route('/rooms/:roomId/state').get((_req, res) => res.send('state'));
    // Middleware for every path: cannot be indexed, so every request passes through it, in order.
    const spy = Router();
    spy.use((req: Request, _res: Response, next: NextFunction) => {
      calls.push(req.path);
      next();
    });
    const nested = Router();
    const inner = Router();
    inner.route('/account/whoami').get((_req, res) => res.send('whoami'));
    nested.use(inner);
    const failing = Router();
    failing.route('/boom').get(() => {
      throw new Error('boom');
    });

    const app = express();
    app.use('/api', bySegment([rooms, spy, profile, rooms2, nested, failing]));
    app.use((_req, res) => res.status(404).send('unrecognized'));
    app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => res.status(500).send(err.message));
    server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  async function call(method: string, path: string): Promise<[number, string]> {
    const res = await fetch(url + path, { method });
    return [res.status, await res.text()];
  }

  test('routes by first segment, keeping the routers in order', async () => {
    calls.length = 0;
    expect(await call('PUT', '/rooms/!a/send')).toEqual([200, 'send']);
    expect(await call('POST', '/createRoom')).toEqual([200, 'create']);
    expect(await call('GET', '/rooms/!a/state')).toEqual([200, 'state']);
    expect(await call('GET', '/profile/@a')).toEqual([200, 'profile']);
    expect(await call('GET', '/account/whoami')).toEqual([200, 'whoami']);
    // The unindexed middleware ran for the requests that got past the routers before it.
    expect(calls).toEqual(['/rooms/!a/state', '/profile/@a', '/account/whoami']);
  });

  test('unknown paths fall through to what follows; errors reach the error handler', async () => {
    expect(await call('GET', '/nothing/here')).toEqual([404, 'unrecognized']);
    expect(await call('GET', '/rooms/!a/unknown')).toEqual([404, 'unrecognized']);
    expect(await call('GET', '/boom')).toEqual([500, 'boom']);
  });
});
