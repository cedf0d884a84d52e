/**
 * Federation transport costs: inbound X-Matrix verification per request with
 * the origin's key cached (header parse, canonical JSON of the request and
 * body, Ed25519 verify), for a GET and for a 50-PDU /send transaction; outbound
 * signing; and, over real HTTPS on loopback, a remote key fetch (GET
 * /_matrix/key/v2/server, self-signature check, store) and a signed request's
 * round trip through the inbound middleware.
 *
 * Rates are per CPU-second of this process where noted (the machine is shared).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express, { type Request, type Response } from 'express';
import { pino } from 'pino';
import { generateSigningKey, parseConfig } from '@lattice/core';
import { createTestDatabase } from '@lattice/storage';
import { errorHandler } from '@lattice/client-api';
import { createFederationTransport, federationAuth, keyRoutes, OwnServerKeys, RemoteKeyRing, signRequest } from '@lattice/federation';
import { measureLatency } from './lib/measure.js';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(10);

/** Runs fn `count` times (sequentially awaited) and prints ops per CPU-second and per wall-second. */
async function throughput(name: string, count: number, fn: () => Promise<void>): Promise<void> {
  for (let i = 0; i < Math.min(200, count); i++) await fn();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await fn();
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  console.log(`${name.padEnd(56)} ${fmt(count / cpuSeconds)} /cpu-s ${fmt(count / wall)} /s`);
}

/** A 50-PDU transaction body of realistic ~1 KB messages (the signature covers all of it). */
function transaction(origin: string): Record<string, unknown> {
  const pdus = Array.from({ length: 50 }, (_, i) => ({
    type: 'm.room.message',
    room_id: '!OGEhHVWSdvArJzumhm:origin.example',
    sender: '@alice:origin.example',
    origin_server_ts: 1_700_000_000_000 + i,
    depth: 1000 + i,
    prev_events: ['$' + 'a'.repeat(43)],
    auth_events: ['$' + 'b'.repeat(43), '$' + 'c'.repeat(43), '$' + 'd'.repeat(43)],
    content: { msgtype: 'm.text', body: `message ${i} `.padEnd(700, 'lorem ipsum ') },
    hashes: { sha256: 'x'.repeat(43) },
    signatures: { 'origin.example': { 'ed25519:a': 's'.repeat(86) } },
  }));
  return { origin, origin_server_ts: 1_700_000_000_000, pdus, edus: [] };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lattice-bench-fed-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:local.bench', '-keyout', 'key.pem', '-out', 'cert.pem'], { cwd: dir, stdio: 'pipe' });
  const tls = { cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) };

  // The remote ("origin") server: publishes its keys and answers signed requests.
  const remote = https.createServer(tls);
  await new Promise<void>((resolve) => remote.listen(0, '127.0.0.1', resolve));
  const remoteName = `127.0.0.1:${(remote.address() as AddressInfo).port}`;
  const remoteKey = generateSigningKey('remote');

  // This server: its database, key ring and signing client.
  const localName = 'local.bench';
  const config = parseConfig(`server_name: ${localName}\ntrusted_key_servers: []\nfederation_custom_ca_list: ["${join(dir, 'cert.pem')}"]\nip_range_whitelist: ["127.0.0.1/32"]\n`, {
    env: {},
    configDir: dir,
  });
  const db = await createTestDatabase('pglite');
  const logger = pino({ level: 'silent' });
  const localKey = generateSigningKey('local');
  const local = createFederationTransport({ config, db, logger }, localKey);

  // Our keys, served where the remote's discovery (federation_host_map) finds them.
  const localKeysServer = https.createServer(
    tls,
    express().use(keyRoutes({ ownKeys: local.ownKeys, signingKey: localKey, notary: local.keyRing, maxBodyBytes: 1_000_000 })),
  );
  await new Promise<void>((resolve) => localKeysServer.listen(0, '127.0.0.1', resolve));
  const localKeysPort = (localKeysServer.address() as AddressInfo).port;

  // The remote side runs the real inbound middleware with its own ring, which fetches our keys.
  const remoteDb = await createTestDatabase('pglite');
  const remoteOwn = new OwnServerKeys({ serverName: remoteName, signingKey: remoteKey, oldKeys: {}, refreshIntervalMs: 86_400_000 });
  const remoteConfig = parseConfig(`server_name: "${remoteName}"\ntrusted_key_servers: []\nfederation_custom_ca_list: ["${join(dir, 'cert.pem')}"]\nip_range_whitelist: ["127.0.0.1/32"]\nfederation_host_map: {${localName}: "127.0.0.1:${localKeysPort}"}\n`, {
    env: {},
    configDir: dir,
  });
  const remoteTransport = createFederationTransport({ config: remoteConfig, db: remoteDb, logger }, remoteKey);
  const app = express();
  app.use(keyRoutes({ ownKeys: remoteOwn, signingKey: remoteKey, notary: remoteTransport.keyRing, maxBodyBytes: 10_000_000 }));
  app.use(federationAuth({ serverName: remoteName, keyRing: remoteTransport.keyRing, isAllowed: () => true, maxBodyBytes: 10_000_000 }));
  app.all('/_matrix/federation/v1/{*rest}', (_req: Request, res: Response) => {
    res.json({});
  });
  app.use(errorHandler());
  remote.on('request', app);

  console.log('Federation transport (per request)');

  // 1. Inbound verification with the origin's key cached in memory: the middleware alone.
  const ring = new RemoteKeyRing({ db: remoteDb, own: remoteOwn, client: remoteTransport.client, trustedKeyServers: [] });
  const middleware = federationAuth({ serverName: remoteName, keyRing: ring, isAllowed: () => true, maxBodyBytes: 10_000_000 })[1]!;

  const getPath = '/_matrix/federation/v1/query/profile?user_id=%40alice%3Aremote';
  const getAuth = signRequest({ method: 'GET', uri: getPath, origin: localName, destination: remoteName }, localKey);
  const txn = transaction(localName);
  const txnRaw = Buffer.from(JSON.stringify(txn));
  const txnPath = '/_matrix/federation/v1/send/1700000000000';
  const txnAuth = signRequest({ method: 'PUT', uri: txnPath, origin: localName, destination: remoteName, content: txn }, localKey);
  const verify = (method: string, path: string, authorization: string, body?: Buffer) =>
    new Promise<void>((resolve, reject) => {
      const req = { method, originalUrl: path, headers: { authorization }, rawBody: body } as unknown as Request;
      middleware(req, {} as Response, (err?: unknown) => (err ? reject(err as Error) : resolve()));
    });
  await verify('GET', getPath, getAuth); // the first one fetches our key over HTTPS
  await throughput('inbound X-Matrix verify, GET (key cached)', 20_000, () => verify('GET', getPath, getAuth));
  await throughput(`inbound X-Matrix verify, PUT /send 50 PDUs (${Math.round(txnRaw.length / 1024)} KB)`, 2_000, () => {
    // A fresh request each time: the parsed body is memoised per request.
    const req = { method: 'PUT', originalUrl: txnPath, headers: { authorization: txnAuth }, rawBody: txnRaw } as unknown as Request;
    return new Promise<void>((resolve, reject) => middleware(req, {} as Response, (err?: unknown) => (err ? reject(err as Error) : resolve())));
  });

  // 2. Outbound signing.
  await throughput('outbound signing, GET', 20_000, async () => {
    signRequest({ method: 'GET', uri: getPath, origin: localName, destination: remoteName }, localKey);
  });
  await throughput('outbound signing, PUT /send 50 PDUs', 2_000, async () => {
    signRequest({ method: 'PUT', uri: txnPath, origin: localName, destination: remoteName, content: txn }, localKey);
  });

  // 3. Remote key fetch over HTTPS: GET /_matrix/key/v2/server, check, store in PostgreSQL (PGlite here), read back.
  console.log('\nOver HTTPS on loopback (latency)');
  await measureLatency('key fetch (fresh ring, nothing stored)', async () => {
    await db.query('DELETE FROM federation_server_keys');
    const fresh = new RemoteKeyRing({ db, own: local.ownKeys, client: local.client, trustedKeyServers: [] });
    const keys = await fresh.verifyKeys(remoteName, [remoteKey.keyId], Date.now());
    if (keys.size !== 1) throw new Error('key fetch failed');
  }, 200);

  // 4. A signed request's round trip through the remote's inbound middleware (connection reused).
  await measureLatency('signed GET round trip (keep-alive)', async () => {
    await local.client.request({ method: 'GET', destination: remoteName, path: getPath });
  }, 500);
  await measureLatency('signed PUT /send 50 PDUs round trip', async () => {
    await local.client.request({ method: 'PUT', destination: remoteName, path: txnPath, body: txn });
  }, 200);

  remote.closeAllConnections();
  localKeysServer.closeAllConnections();
  remote.close();
  localKeysServer.close();
  await db.close();
  await remoteDb.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
