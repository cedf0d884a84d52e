/**
 * Registration and login latency over HTTP against an in-process client-api
 * server, on PGlite and on PostgreSQL. Both are dominated by scrypt (one hash
 * per request, by design), so the difference between drivers is the DB share.
 */
import type { AddressInfo } from 'node:net';
import { createClientApiApp, createRoomServices, type ClientApiContext } from '@lattice/client-api';
import { generateSigningKey, parseConfig } from '@lattice/core';
import { createTestDatabase } from '@lattice/storage';
import { pino } from 'pino';
import { measureLatency } from './lib/measure.js';

const CONFIG = `
server_name: bench.local
enable_registration: true
enable_registration_without_verification: true
# The bench measures latency, not the limiter.
rc_registration: { per_second: 1000, burst_count: 1000 }
rc_login:
  address: { per_second: 1000, burst_count: 1000 }
  account: { per_second: 1000, burst_count: 1000 }
  failed_attempts: { per_second: 1000, burst_count: 1000 }
`;
const COUNT = 50;

async function post(url: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function benchOn(kind: 'pglite' | 'postgres'): Promise<void> {
  const db = await createTestDatabase(kind);
  const config = parseConfig(CONFIG, { env: {} });
  const logger = pino({ level: 'silent' });
  const rooms = await createRoomServices({ db, config, signingKey: generateSigningKey(), instanceName: 'master', logger });
  const ctx: ClientApiContext = { config, db, logger, rooms };
  const server = createClientApiApp(ctx).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/_matrix/client/v3`;

  let n = 0;
  await measureLatency(`register (m.login.dummy, ${kind})`, async () => {
    await post(`${base}/register`, { username: `user${n++}`, password: 'bench password', auth: { type: 'm.login.dummy' } });
  }, COUNT);
  await measureLatency(`login (m.login.password, ${kind})`, async () => {
    await post(`${base}/login`, { type: 'm.login.password', identifier: { type: 'm.id.user', user: 'user0' }, password: 'bench password' });
  }, COUNT);

  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rooms.close();
  await db.close();
}

for (const kind of ['pglite', 'postgres'] as const) await benchOn(kind);
