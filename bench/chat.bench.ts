/**
 * Everyday chat end to end (issue 3's benchmarks), over real HTTP against the
 * whole single-process stack (the homeserver's own listener handler: client
 * API + /sync, room services as apps/homeserver builds them), on PostgreSQL
 * and PGlite:
 *   (a) 3,287 sequential sends from one client into one room ("Romeo & Juliet"),
 *   (b) 50 concurrent senders over 1 room and over 100 rooms,
 *   (c) a send → another user's waiting long-poll /sync returning,
 *   (d) initial sync of a user in 100 rooms × 50 events,
 *   (e) idle RSS of the real process (`node apps/homeserver/dist/main.js`).
 * Targets (2 cores, PostgreSQL): ≥ 500 sends/s, ≥ 2,000 events/s, wake p50 ≤ 5 ms,
 * initial sync ≤ 150 ms, idle RSS ≤ 120 MiB.
 *
 * The clients run in a worker thread with keep-alive connections, so the
 * server's event loop is the server's alone (as with real, remote clients).
 * Usage: node bench/dist/chat.bench.js [postgres,pglite] ("" runs (e) alone; BENCH_RSS=0 skips it).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { createRoomServices, registerAccount } from '@lattice/client-api';
import { createMetrics, generateSigningKey, parseConfig } from '@lattice/core';
import { createTestDatabase, openPostgres, testPostgresUrl } from '@lattice/storage';
import { pino } from 'pino';
import { keepAliveAgent, requestJson } from './lib/keep-alive-client.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SERVER_NAME = 'bench.local';
const SEQUENTIAL_SENDS = 3287;
const SENDERS = 50;
const CROWD_SENDS_PER_SENDER = 60;
const ROOMS = 100;
/** Per sender over its 4 rooms: 50 messages land in each of the 100 rooms. */
const SPREAD_SENDS_PER_SENDER = 100;
const WAKES = 200;
const INITIAL_SYNCS = 30;

// Benchmarks send far faster than people: every rate limit out of the way.
const CONFIG_YAML = `
server_name: ${SERVER_NAME}
log_level: fatal
rc_message: { per_second: 100000, burst_count: 100000 }
rc_registration: { per_second: 100000, burst_count: 100000 }
rc_room_creation: { per_second: 100000, burst_count: 100000 }
rc_joins:
  local: { per_second: 100000, burst_count: 100000 }
  remote: { per_second: 100000, burst_count: 100000 }
rc_joins_per_room: { per_second: 100000, burst_count: 100000 }
rc_login:
  address: { per_second: 100000, burst_count: 100000 }
  account: { per_second: 100000, burst_count: 100000 }
  failed_attempts: { per_second: 100000, burst_count: 100000 }
`;

type Kind = 'postgres' | 'pglite';

interface Row {
  driver: string;
  name: string;
  result: string;
  latency: string;
  target: string;
}

interface Account {
  userId: string;
  token: string;
}

interface ClientJob {
  kind: Kind;
  base: string;
  senders: Account[];
  reader: Account;
}

// ---- measuring ------------------------------------------------------------

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function latencies(samples: number[], ps: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  return ps.map((p) => `p${p} ${percentile(sorted, p).toFixed(2)} ms`).join('  ');
}

function rate(count: number, ms: number): string {
  return Math.round((count * 1000) / ms).toLocaleString('en-US');
}

// ---- the clients (worker thread) -------------------------------------------

function request(base: string, method: string, urlPath: string, token: string, body?: unknown, via = keepAliveAgent): Promise<Record<string, unknown>> {
  return requestJson(base + urlPath, method, token, body, via);
}

let txnCounter = 0;

function clients(job: ClientJob) {
  const call = (who: Account, method: string, urlPath: string, body?: unknown) => request(job.base, method, urlPath, who.token, body);
  return {
    createRoom: async (who: Account, name: string) =>
      (await call(who, 'POST', '/createRoom', { preset: 'public_chat', name })).room_id as string,
    join: (who: Account, roomId: string) => call(who, 'POST', `/join/${encodeURIComponent(roomId)}`, {}),
    send: (who: Account, roomId: string, body: string) =>
      call(who, 'PUT', `/rooms/${encodeURIComponent(roomId)}/send/m.room.message/b${txnCounter++}`, { msgtype: 'm.text', body }),
    sync: (who: Account, query = '') => call(who, 'GET', `/sync${query}`),
  };
}

/** Each sender sends `perSender` messages one after another, all senders at once; returns per-send latencies and the wall time. */
async function concurrentSends(
  api: ReturnType<typeof clients>,
  senders: Account[],
  perSender: number,
  roomFor: (sender: number, i: number) => string,
): Promise<{ samples: number[]; ms: number }> {
  const samples: number[] = [];
  const start = performance.now();
  await Promise.all(
    senders.map(async (who, s) => {
      for (let i = 0; i < perSender; i++) {
        const t0 = performance.now();
        await api.send(who, roomFor(s, i), `message ${i} from sender ${s}`);
        samples.push(performance.now() - t0);
      }
    }),
  );
  return { samples, ms: performance.now() - start };
}

async function runClients(job: ClientJob): Promise<Row[]> {
  const api = clients(job);
  const rows: Row[] = [];
  const row = (name: string, result: string, latency: string, target: string) => rows.push({ driver: job.kind, name, result, latency, target });
  const [first] = job.senders;

  // (a) sequential sends, one client, one room.
  const solo = await api.createRoom(first!, 'Verona');
  for (let i = 0; i < 50; i++) await api.send(first!, solo, `warm-up ${i}`);
  const seq: number[] = [];
  const seqStart = performance.now();
  for (let i = 0; i < SEQUENTIAL_SENDS; i++) {
    const t0 = performance.now();
    await api.send(first!, solo, `line ${i} of Romeo and Juliet`);
    seq.push(performance.now() - t0);
  }
  const seqMs = performance.now() - seqStart;
  row(`(a) ${SEQUENTIAL_SENDS.toLocaleString('en-US')} sequential sends, 1 room`, `${rate(SEQUENTIAL_SENDS, seqMs)} sends/s, total ${(seqMs / 1000).toFixed(2)} s`, latencies(seq, [50, 99]), '≥ 500/s, < 7 s');

  // (b) 50 concurrent senders into one room.
  const crowd = await api.createRoom(first!, 'Crowd');
  await Promise.all(job.senders.slice(1).map((who) => api.join(who, crowd)));
  const one = await concurrentSends(api, job.senders, CROWD_SENDS_PER_SENDER, () => crowd);
  row(`(b) ${SENDERS} concurrent senders, 1 room`, `${rate(one.samples.length, one.ms)} events/s (n=${one.samples.length})`, latencies(one.samples, [50, 99]), '—');

  // (b) 50 senders over 100 rooms: sender s creates rooms s and s+50 and joins sender s+1's;
  // the reader of (c) and (d) is in all of them.
  const rooms: string[] = new Array<string>(ROOMS);
  await Promise.all(
    job.senders.map(async (who, s) => {
      rooms[s] = await api.createRoom(who, `Room ${s}`);
      rooms[s + SENDERS] = await api.createRoom(who, `Room ${s + SENDERS}`);
    }),
  );
  await Promise.all(
    job.senders.map(async (who, s) => {
      const next = (s + 1) % SENDERS;
      await api.join(who, rooms[next]!);
      await api.join(who, rooms[next + SENDERS]!);
    }),
  );
  for (const roomId of rooms) await api.join(job.reader, roomId);
  const roomsOf = (s: number) => [s, s + SENDERS, (s + 1) % SENDERS, ((s + 1) % SENDERS) + SENDERS].map((r) => rooms[r]!);
  const spread = await concurrentSends(api, job.senders, SPREAD_SENDS_PER_SENDER, (s, i) => roomsOf(s)[i % 4]!);
  row(`(b) ${SENDERS} concurrent senders, ${ROOMS} rooms`, `${rate(spread.samples.length, spread.ms)} events/s (n=${spread.samples.length})`, latencies(spread.samples, [50, 99]), '≥ 2,000/s');

  // (c) send → another user's waiting long-poll returns.
  const fromSend: number[] = [];
  const fromAck: number[] = [];
  let since = (await api.sync(job.reader, '?timeout=0')).next_batch as string;
  for (let i = 0; i < WAKES; i++) {
    const polled = api.sync(job.reader, `?since=${encodeURIComponent(since)}&timeout=30000`).then((body) => ({ body, at: performance.now() }));
    await new Promise((resolve) => setTimeout(resolve, 10)); // the long-poll is parked on the server
    const sent = performance.now();
    const acked = api.send(first!, rooms[i % 2 === 0 ? 0 : SENDERS]!, `wake ${i}`).then(() => performance.now());
    const { body, at } = await polled;
    const joined = (body.rooms as { join?: Record<string, unknown> } | undefined)?.join ?? {};
    if (Object.keys(joined).length === 0) throw new Error('the long-poll returned without the message');
    fromSend.push(at - sent);
    fromAck.push(Math.max(0, at - (await acked)));
    since = body.next_batch as string;
  }
  row(`(c) send → long-poll returns, from send start`, `n=${WAKES}`, latencies(fromSend, [50, 99]), '—');
  row(`(c) send → long-poll returns, after send's 200`, `n=${WAKES}`, latencies(fromAck, [50, 99]), 'p50 ≤ 5 ms');

  // (d) initial sync of the reader: 100 rooms × 50 messages (plus their state).
  const coldStart = performance.now();
  const initial = await api.sync(job.reader);
  const cold = performance.now() - coldStart;
  const joinedRooms = Object.keys((initial.rooms as { join: object }).join).length;
  if (joinedRooms !== ROOMS) throw new Error(`initial sync returned ${joinedRooms} rooms, expected ${ROOMS}`);
  const initialSamples: number[] = [];
  for (let i = 0; i < INITIAL_SYNCS; i++) {
    const t0 = performance.now();
    await api.sync(job.reader);
    initialSamples.push(performance.now() - t0);
  }
  row(`(d) initial sync, ${ROOMS} rooms × 50 events`, `first ${cold.toFixed(0)} ms, n=${INITIAL_SYNCS}`, latencies(initialSamples, [50, 95]), '≤ 150 ms');
  keepAliveAgent.destroy();
  return rows;
}

// ---- the server (main thread) -----------------------------------------------

type HomeserverApp = typeof import('../apps/homeserver/dist/homeserver-app.js');

async function benchDriver(kind: Kind): Promise<Row[]> {
  const db = await createTestDatabase(kind);
  const logger = pino({ level: 'silent' });
  const config = parseConfig(CONFIG_YAML, { env: {}, configDir: os.tmpdir() });
  const signingKey = generateSigningKey('bench');
  const rooms = await createRoomServices({ db, config, signingKey, instanceName: 'master', logger });
  // The homeserver's own handler for a client listener (apps/homeserver/src/homeserver-app.ts).
  const { handlerForListener } = (await import(path.join(REPO_ROOT, 'apps/homeserver/dist/homeserver-app.js'))) as HomeserverApp;
  const listener = config.listeners.find((l) => l.type === 'http' && l.resources.some((r) => r.names.includes('client')));
  if (listener === undefined) throw new Error('the default config has no client listener');
  const handler = handlerForListener({ config, db, logger, signingKey, metrics: createMetrics('homeserver'), rooms })(listener);
  const server = http.createServer(handler);
  server.keepAliveTimeout = 75_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/_matrix/client/v3`;

  const ctx = { config, db, logger, rooms };
  const account = async (localpart: string): Promise<Account> => {
    const a = await registerAccount(ctx, { localpart, password: 'bench password', session: { refreshable: false } });
    return { userId: a.user_id, token: a.access_token! };
  };
  // Password hashing runs on the thread pool: register in parallel.
  const senders = await Promise.all(Array.from({ length: SENDERS }, (_, s) => account(`sender${s}`)));
  const reader = await account('reader');

  try {
    const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { kind, base, senders, reader } satisfies ClientJob });
    return await new Promise<Row[]>((resolve, reject) => {
      worker.once('message', (rows: Row[]) => resolve(rows));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`client worker exited with ${code}`)));
    });
  } finally {
    server.closeAllConnections();
    server.close();
    await rooms.close();
    await db.close();
  }
}

// ---- (e) idle RSS of the real process ---------------------------------------

const EPHEMERAL_LISTENERS = '[{port: 0, bind_addresses: ["127.0.0.1"], type: http, resources: [{names: [client, federation]}]}]';

/** Starts the built homeserver in `cwd` and resolves with it once it logs that it listens. */
async function startProcess(cwd: string, env: Record<string, string>): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'apps/homeserver/dist/main.js')], {
    cwd,
    env: { ...process.env, LATTICE_LISTENERS: EPHEMERAL_LISTENERS, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        try {
          const entry = JSON.parse(line) as { msg?: string; url?: string };
          if (entry.msg === 'listening' && entry.url) resolve(entry.url);
        } catch {
          // not a log line
        }
      });
      void exited.then(() => reject(new Error('the homeserver exited before listening')));
    });
    return { url, pid: child.pid!, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A little everyday use (register through UIA, create a room, chat, sync), a few idle seconds, then VmRSS. */
async function useThenIdle(url: string, pid: number, localpart: string): Promise<{ rss: number; peak: number }> {
  const base = `${url}/_matrix/client/v3`;
  const register = async (body: unknown) =>
    (await fetch(`${base}/register`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })).json();
  const password = 'rss password';
  const { session } = (await register({ username: localpart, password })) as { session: string };
  const { access_token: token } = (await register({ username: localpart, password, auth: { type: 'm.login.dummy', session } })) as { access_token: string };
  const via = new http.Agent({ keepAlive: true });
  const roomId = (await request(base, 'POST', '/createRoom', token, { preset: 'private_chat', name: 'rss' }, via)).room_id as string;
  for (let i = 0; i < 20; i++) {
    await request(base, 'PUT', `/rooms/${encodeURIComponent(roomId)}/send/m.room.message/r${i}`, token, { msgtype: 'm.text', body: `hi ${i}` }, via);
  }
  await request(base, 'GET', '/sync', token, undefined, via);
  via.destroy();
  await new Promise((resolve) => setTimeout(resolve, 5000));
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

/**
 * (e) The real process, default embedded deployment (PGlite; its first run
 * writes ./data and runs initdb in-process, so it is measured again after a
 * restart) and on PostgreSQL.
 */
async function idleRss(): Promise<Row[]> {
  const rows: Row[] = [];
  const row = (driver: string, name: string, m: { rss: number; peak: number }) =>
    rows.push({ driver, name, result: `${m.rss.toFixed(1)} MiB`, latency: `peak ${m.peak.toFixed(1)} MiB`, target: '≤ 120 MiB' });
  const registration = { LATTICE_ENABLE_REGISTRATION: 'true', LATTICE_ENABLE_REGISTRATION_WITHOUT_VERIFICATION: 'true' };

  const cwd = await mkdtemp(path.join(os.tmpdir(), 'lattice-bench-rss-'));
  try {
    for (const [run, name] of [[1, '(e) idle RSS, main.js, first run'], [2, '(e) idle RSS, main.js, restarted']] as const) {
      const hs = await startProcess(cwd, registration);
      try {
        row('pglite', name, await useThenIdle(hs.url, hs.pid, `rss${run}`));
      } finally {
        await hs.stop();
      }
    }
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }

  const database = `lattice_bench_rss_${process.pid}`;
  const admin = openPostgres({ connectionString: testPostgresUrl(), max: 1 });
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${database}`);
  const pgCwd = await mkdtemp(path.join(os.tmpdir(), 'lattice-bench-rss-'));
  try {
    const hs = await startProcess(pgCwd, {
      ...registration,
      LATTICE_DATABASE: `{name: psycopg2, args: {connection_string: "${testPostgresUrl(database)}"}}`,
    });
    try {
      row('postgres', '(e) idle RSS, main.js', await useThenIdle(hs.url, hs.pid, 'rss'));
    } finally {
      await hs.stop();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.close();
    await rm(pgCwd, { recursive: true, force: true });
  }
  return rows;
}

function printTable(rows: Row[]): void {
  const cols: Array<keyof Row> = ['driver', 'name', 'result', 'latency', 'target'];
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(width[i]!)).join(' | ')} |`;
  console.log(line(cols));
  console.log(`|${width.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(cols.map((c) => r[c])));
}

if (isMainThread) {
  const kinds = (process.argv[2]?.split(',').filter(Boolean) ?? ['postgres', 'pglite']) as Kind[];
  const rows: Row[] = [];
  for (const kind of kinds) {
    const t0 = Date.now();
    const driverRows = await benchDriver(kind);
    printTable(driverRows);
    console.log(`[${kind}] ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    rows.push(...driverRows);
  }
  if (process.env.BENCH_RSS !== '0') rows.push(...(await idleRss()));
  console.log('\nissue 3 chat benchmarks (HTTP, single process)');
  printTable(rows);
} else {
  parentPort!.postMessage(await runClients(workerData as ClientJob));
}
