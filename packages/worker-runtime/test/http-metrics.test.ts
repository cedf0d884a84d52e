/**
 * HTTP metrics label requests by route template over real HTTP: the full
 * template through nested routers, also when the handler throws (the error
 * leaves the nested router before the response is finished), and
 * "unmatched" when no route took the request. Never a raw path.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { createMetrics, type Metrics } from '@lattice/core';
import { httpMetrics } from '../src/bootstrap/http-metrics.js';
import { parsePrometheusText } from '../../../tests/support/prometheus-text.js';

let metrics: Metrics;
let server: Server;
let url: string;

beforeAll(async () => {
  metrics = createMetrics('client-reader');
  const rooms = express.Router();
  rooms.get('/rooms/:roomId/state', (_req, res) => {
    res.json({});
  });
  rooms.get('/rooms/:roomId/members', () => {
    throw Object.assign(new Error('forbidden'), { status: 403 });
  });
  const app = express();
  app.use(httpMetrics(metrics));
  app.use('/_matrix/client/v3', rooms);
  app.use(((err, _req, res, _next) => {
    res.status((err as { status?: number }).status ?? 500).json({});
  }) as express.ErrorRequestHandler);
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  metrics.close();
});

test('route templates label every request, successful or not', async () => {
  for (const path of ['/_matrix/client/v3/rooms/!a:x/state', '/_matrix/client/v3/rooms/!b:x/state', '/_matrix/client/v3/rooms/!a:x/members', '/nope/!c:x']) {
    await (await fetch(url + path)).text();
  }
  const counts = parsePrometheusText(await metrics.registry.metrics())
    .filter((s) => s.name === 'lattice_http_request_duration_seconds_count')
    .map((s) => [s.labels.route, s.labels.status, s.value]);
  expect(counts).toEqual(
    expect.arrayContaining([
      ['/_matrix/client/v3/rooms/:roomId/state', '200', 2],
      ['/_matrix/client/v3/rooms/:roomId/members', '403', 1],
      ['unmatched', '404', 1],
    ]),
  );
  expect(counts).toHaveLength(3);
});
