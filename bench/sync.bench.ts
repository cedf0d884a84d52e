/**
 * /sync over HTTP against the client API with the sync router, on PGlite and
 * PostgreSQL (issue 3 targets on PostgreSQL, 2 cores): initial sync of a user
 * in 100 rooms × 50 events (≤ 150 ms), an idle incremental sync, and the delay
 * from another user's send to a waiting long-poll returning (p50 ≤ 5 ms).
 */
import type { AddressInfo } from 'node:net';
import { createClientApiApp, createRoomServices, registerAccount, type ClientApiContext } from '@lattice/client-api';
import { generateSigningKey, parseConfig } from '@lattice/core';
import { createTestDatabase } from '@lattice/storage';
import { syncRouter } from '@lattice/sync';
import { pino } from 'pino';
import { BENCH_RATE_LIMITS } from './lib/bench-rate-limits.js';
import { measureLatency } from './lib/measure.js';

const ROOMS = 100;
const EVENTS_PER_ROOM = 50;
const WAKES = 200;

async function call(base: string, method: string, path: string, token: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(base + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

function percentiles(samples: number[]): string {
  samples.sort((a, b) => a - b);
  const pct = (p: number) => samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))]!.toFixed(2);
  return `p50 ${pct(50)} ms  p99 ${pct(99)} ms  (n=${samples.length})`;
}

async function benchOn(kind: 'pglite' | 'postgres'): Promise<void> {
  const db = await createTestDatabase(kind);
  const logger = pino({ level: 'silent' });
  const config = parseConfig(`server_name: bench.local\n${BENCH_RATE_LIMITS}`, { env: {} });
  const rooms = await createRoomServices({ db, config, signingKey: generateSigningKey('bench'), instanceName: 'bench', logger });
  const ctx: ClientApiContext = { config, db, logger, rooms };
  const server = createClientApiApp(ctx, { routers: [syncRouter(ctx)] }).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/_matrix/client/v3`;

  const alice = await registerAccount(ctx, { localpart: 'alice', password: 'bench password', session: { refreshable: false } });
  const bob = await registerAccount(ctx, { localpart: 'bob', password: 'bench password', session: { refreshable: false } });
  const aliceToken = alice.access_token!;
  const bobToken = bob.access_token!;
  const roomIds: string[] = [];
  for (let r = 0; r < ROOMS; r++) {
    const { room_id } = await call(base, 'POST', '/createRoom', aliceToken, { preset: 'public_chat', name: `Room ${r}` });
    roomIds.push(room_id as string);
    await call(base, 'POST', `/join/${encodeURIComponent(room_id as string)}`, bobToken, {});
  }
  const t0 = Date.now();
  await Promise.all(
    roomIds.map(async (roomId) => {
      for (let i = 0; i < EVENTS_PER_ROOM; i++) {
        const sender = i % 2 === 0 ? alice.user_id : bob.user_id;
        await rooms.persister.createEvent({ room_id: roomId, type: 'm.room.message', sender, content: { msgtype: 'm.text', body: `message ${i}` } });
      }
    }),
  );
  console.log(`[${kind}] set-up: ${ROOMS} rooms × ${EVENTS_PER_ROOM} events in ${Date.now() - t0} ms`);

  const sync = (query: string) => call(base, 'GET', `/sync${query}`, aliceToken);
  const cold = Date.now();
  const first = await sync('');
  console.log(`[${kind}] initial sync, first (evaluates push rules for ${ROOMS * EVENTS_PER_ROOM} events)`.padEnd(48), `${Date.now() - cold} ms`);
  if (Object.keys((first.rooms as { join: object }).join).length !== ROOMS) throw new Error('initial sync is missing rooms');
  await measureLatency(`[${kind}] initial sync, ${ROOMS} rooms × ${EVENTS_PER_ROOM} events`, async () => void (await sync('')), 30);
  const since = encodeURIComponent(first.next_batch as string);
  await measureLatency(`[${kind}] incremental sync, nothing new`, async () => void (await sync(`?since=${since}`)), 200);

  // Send → long-poll wake: alice waits, bob sends into one of her rooms.
  const fromSend: number[] = [];
  const fromAck: number[] = [];
  let token = (await sync('')).next_batch as string;
  for (let i = 0; i < WAKES; i++) {
    const waiting = sync(`?since=${encodeURIComponent(token)}&timeout=30000`);
    await new Promise((resolve) => setTimeout(resolve, 2)); // the long-poll is parked
    const sent = performance.now();
    const ack = call(base, 'PUT', `/rooms/${encodeURIComponent(roomIds[i % ROOMS]!)}/send/m.room.message/w${i}`, bobToken, { msgtype: 'm.text', body: 'wake' })
      .then(() => performance.now());
    const body = await waiting;
    const woke = performance.now();
    fromSend.push(woke - sent);
    fromAck.push(Math.max(0, woke - (await ack)));
    token = body.next_batch as string;
  }
  console.log(`[${kind}] send → long-poll returns (from send start)`.padEnd(48), percentiles(fromSend));
  console.log(`[${kind}] send → long-poll returns (after send's 200)`.padEnd(48), percentiles(fromAck));

  server.closeAllConnections();
  server.close();
  await rooms.close();
  await db.close();
}

const kinds = (process.argv[2]?.split(',') ?? ['postgres', 'pglite']) as Array<'postgres' | 'pglite'>;
for (const kind of kinds) await benchOn(kind);
