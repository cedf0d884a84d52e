/**
 * End-to-end encryption hot paths over real HTTP (issue 6), on PGlite and
 * PostgreSQL:
 *  - POST /keys/claim for 100 devices (one signed_curve25519 key each), the
 *    request a client makes before sharing a room key with 100 new devices;
 *  - PUT /sendToDevice to 1,000 devices (1,000 users, ~1 KiB olm payload each),
 *    the room-key share of a message in a 1,000-member room.
 * Targets (issue 6): claim p50 ≤ 50 ms, sendToDevice p50 ≤ 200 ms.
 */
import type { AddressInfo } from 'node:net';
import { generateSigningKey, parseConfig } from '@lattice/core';
import { createClientApiApp, createRoomServices, DeviceListeners, registerAccount, type ClientApiContext } from '@lattice/client-api';
import { createE2ee } from '@lattice/e2ee';
import { createTestDatabase } from '@lattice/storage';
import { pino } from 'pino';
import { measureLatency } from './lib/measure.js';

const SERVER = 'bench.local';
const CLAIM_DEVICES = 100;
const CLAIM_ROUNDS = 200;
const TO_DEVICE_USERS = 1_000;
const TO_DEVICE_ROUNDS = 50;

async function benchOn(kind: 'pglite' | 'postgres'): Promise<void> {
  const db = await createTestDatabase(kind);
  const logger = pino({ level: 'silent' });
  const config = parseConfig(`server_name: ${SERVER}\n`, { env: {} });
  const rooms = await createRoomServices({ db, config, signingKey: generateSigningKey('bench'), instanceName: 'bench', logger });
  const ctx: ClientApiContext = { config, db, logger, rooms, devices: new DeviceListeners() };
  const e2ee = createE2ee(ctx);
  const app = createClientApiApp(ctx, { routers: [e2ee.router] });
  const server = await new Promise<import('node:http').Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const call = async (method: string, path: string, token: string, body: unknown) => {
    const res = await fetch(url + path, { method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  };

  const setupStart = Date.now();
  const sender = await registerAccount(ctx, { localpart: 'sender', password: 'bench password', session: { refreshable: false } });
  const userIds = Array.from({ length: TO_DEVICE_USERS }, (_, i) => `@user${i}:${SERVER}`);
  // Accounts and devices straight into the tables: the endpoints under test only read them.
  await db.query(
    `INSERT INTO users (user_id, password_hash, creation_ts) SELECT u, NULL, 0 FROM unnest($1::text[]) AS u ON CONFLICT DO NOTHING`,
    [userIds],
  );
  await db.query(`INSERT INTO devices (user_id, device_id, created_ts) SELECT u, 'DEVICE', 0 FROM unnest($1::text[]) AS u`, [userIds]);
  // CLAIM_ROUNDS one-time keys for each of the first CLAIM_DEVICES devices.
  await db.query(
    `INSERT INTO e2e_one_time_keys (user_id, device_id, algorithm, key_id, key_json, ts)
     SELECT u, 'DEVICE', 'signed_curve25519', 'AAAA' || k, '{"key":"' || md5(u || k) || '","signatures":{}}', 0
     FROM unnest($1::text[]) AS u, generate_series(1, $2::int) AS k`,
    [userIds.slice(0, CLAIM_DEVICES), CLAIM_ROUNDS + 10],
  );
  console.log(`[${kind}] set-up: ${TO_DEVICE_USERS} users with a device, ${CLAIM_DEVICES} × ${CLAIM_ROUNDS + 10} one-time keys: ${Date.now() - setupStart} ms`);

  const claimBody = { one_time_keys: Object.fromEntries(userIds.slice(0, CLAIM_DEVICES).map((u) => [u, { DEVICE: 'signed_curve25519' }])) };
  await measureLatency(`[${kind}] POST /keys/claim, ${CLAIM_DEVICES} devices`, () => call('POST', '/_matrix/client/v3/keys/claim', sender.access_token!, claimBody), CLAIM_ROUNDS);

  const ciphertext = 'A'.repeat(1024);
  const messages = Object.fromEntries(
    userIds.map((u) => [u, { DEVICE: { algorithm: 'm.olm.v1.curve25519-aes-sha2', sender_key: 'k', ciphertext: { k: { type: 0, body: ciphertext } } } }]),
  );
  let txn = 0;
  await measureLatency(
    `[${kind}] PUT /sendToDevice, ${TO_DEVICE_USERS} devices`,
    () => call('PUT', `/_matrix/client/v3/sendToDevice/m.room.encrypted/bench${txn++}`, sender.access_token!, { messages }),
    TO_DEVICE_ROUNDS,
  );

  server.closeAllConnections();
  server.close();
  await rooms.close();
  await db.close();
}

await benchOn('pglite');
await benchOn('postgres');
