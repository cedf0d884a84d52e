/**
 * Inbound federation throughput: PDUs/s through PUT /send (50-PDU
 * transactions over HTTP), each PDU checked (format, size, signature, content
 * hash), staged durably, authorised (auth events, state before, current state)
 * and persisted, on PGlite and PostgreSQL. One remote server sends chained
 * messages into one room, transactions one after another (as the spec has a
 * server do per destination); then four servers send into four rooms at once.
 * The X-Matrix request signature check is left out (federation-auth.bench.ts
 * measures it): the origin is set by a stand-in middleware.
 */
import type { AddressInfo } from 'node:net';
import { createClientApiApp, createRoomServices, rawBody, type ClientApiContext } from '@lattice/client-api';
import { generateSigningKey, getRoomVersion, parseConfig, type PDU } from '@lattice/core';
import { federationRoomsRouter, remoteEventsOf } from '@lattice/federation';
import { createTestDatabase } from '@lattice/storage';
import { Router } from 'express';
import { pino } from 'pino';
import { signedEvent, staticKeyRing, wire } from './lib/federation-fixtures.js';

const TXNS_PER_ROOM = 40;
const PDUS_PER_TXN = 50;
const v10 = getRoomVersion('10')!;

async function benchOn(kind: 'pglite' | 'postgres'): Promise<void> {
  const db = await createTestDatabase(kind);
  const config = parseConfig('server_name: bench.local\nmax_request_body_size: 10485760\n', { env: {} });
  const logger = pino({ level: 'silent' });
  const rooms = await createRoomServices({ db, config, signingKey: generateSigningKey(), instanceName: 'master', logger });
  const ctx: ClientApiContext = { config, db, logger, rooms };
  const servers = ['r0.bench', 'r1.bench', 'r2.bench', 'r3.bench'];
  const keys = new Map(servers.map((s) => [s, generateSigningKey('k')]));
  const fed = federationRoomsRouter({
    ctx,
    serverName: 'bench.local',
    signingKey: generateSigningKey(),
    keyRing: staticKeyRing(keys),
    client: { request: () => Promise.reject(new Error('no outbound requests in this bench')) },
  });
  const origin = Router();
  origin.use('/_matrix/federation', rawBody(10 * 1024 * 1024), (req, _res, next) => {
    req.federationOrigin = String(req.headers['x-origin']);
    next();
  });
  const server = createClientApiApp(ctx, { routers: [origin, fed.router] }).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/_matrix/federation/v1/send`;

  // One room per remote server, its user joined; then the transactions, built (and signed) before timing.
  const plans: Array<{ server: string; txns: PDU[][] }> = [];
  for (const s of servers) {
    const user = `@u:${s}`;
    const { roomId, events } = await rooms.persister.createRoom({
      version: v10,
      creator: '@owner:bench.local',
      createContent: {},
      then: [
        { type: 'm.room.member', state_key: '@owner:bench.local', sender: '@owner:bench.local', content: { membership: 'join' } },
        { type: 'm.room.power_levels', state_key: '', sender: '@owner:bench.local', content: { users: { '@owner:bench.local': 100 } } },
        { type: 'm.room.join_rules', state_key: '', sender: '@owner:bench.local', content: { join_rule: 'public' } },
      ],
    });
    const [create, , pl, rules] = events.map((e) => e.event);
    const key = keys.get(s)!;
    let ts = Date.now();
    const join = signedEvent(v10, { room_id: roomId, type: 'm.room.member', state_key: user, sender: user, content: { membership: 'join' } }, [rules!], [create!, pl!, rules!], s, key, ts);
    await remoteEventsOf(ctx).acceptEvents(roomId, [{ event: join }]);
    let prev = join;
    const txns: PDU[][] = [];
    for (let t = 0; t < TXNS_PER_ROOM; t++) {
      const pdus: PDU[] = [];
      for (let i = 0; i < PDUS_PER_TXN; i++) {
        prev = signedEvent(v10, { room_id: roomId, type: 'm.room.message', sender: user, content: { msgtype: 'm.text', body: `message ${t}.${i}` } }, [prev], [create!, pl!, join], s, key, ++ts);
        pdus.push(wire(prev));
      }
      txns.push(pdus);
    }
    plans.push({ server: s, txns });
  }

  async function sendAll(plan: { server: string; txns: PDU[][] }, from: number, to: number): Promise<void> {
    for (let t = from; t < to; t++) {
      const res = await fetch(`${base}/${plan.server}-${t}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'x-origin': plan.server },
        body: JSON.stringify({ origin: plan.server, origin_server_ts: Date.now(), pdus: plan.txns[t] }),
      });
      const body = (await res.json()) as { pdus: Record<string, { error?: string }> };
      const failed = Object.values(body.pdus ?? {}).filter((r) => r.error !== undefined);
      if (res.status !== 200 || failed.length > 0) throw new Error(`send failed: ${res.status} ${JSON.stringify(failed[0] ?? body)}`);
    }
  }

  // Warm-up: the first transactions of room 0 (JIT, caches, prepared plans).
  const warm = 4;
  await sendAll(plans[0]!, 0, warm);
  let t0 = process.hrtime.bigint();
  await sendAll(plans[0]!, warm, TXNS_PER_ROOM);
  let secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const one = ((TXNS_PER_ROOM - warm) * PDUS_PER_TXN) / secs;
  console.log(`${`inbound /send, 1 room, 50-PDU txns (${kind})`.padEnd(56)} ${Math.round(one).toLocaleString('en-US').padStart(8)} PDUs/s`);

  t0 = process.hrtime.bigint();
  await Promise.all(plans.slice(1).map((p) => sendAll(p, 0, TXNS_PER_ROOM)));
  secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const many = ((plans.length - 1) * TXNS_PER_ROOM * PDUS_PER_TXN) / secs;
  console.log(`${`inbound /send, 3 rooms at once, 50-PDU txns (${kind})`.padEnd(56)} ${Math.round(many).toLocaleString('en-US').padStart(8)} PDUs/s`);

  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE sender LIKE $1', ['@u:r%']);
  if (rows[0]!.n !== servers.length * (TXNS_PER_ROOM * PDUS_PER_TXN + 1)) throw new Error(`expected every PDU persisted, found ${rows[0]!.n}`);

  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rooms.close();
  await db.close();
}

const only = process.argv[2] as 'pglite' | 'postgres' | undefined;
for (const kind of only !== undefined ? [only] : (['pglite', 'postgres'] as const)) await benchOn(kind);
