/**
 * The worker split through nginx (scripts/cluster.mjs: client readers, sync
 * workers, event persisters, Redis, nginx), with 1 and then 2 event persisters:
 *  - sequential sends of one client (events/s, latency percentiles),
 *  - 50 concurrent senders, each in a room of its own (events/s),
 *  - delivery latency under that load: event creation (origin_server_ts) to its
 *    arrival in a /sync long-poll served by a sync worker (p50/p99),
 *  - delivery latency without load: one message at a time, to ANOTHER user's
 *    long-poll on a sync worker (the path of issue 4: client reader → persister
 *    → Redis → sync worker),
 *  - replication delay under that load: a writer's publish to each worker's
 *    receipt, from the workers' own lattice_replication_delay_seconds,
 *  - the CPU an idle worker (the federation sender, following replication)
 *    spends while 40 events/s are sent, with the other followers' and, for
 *    scale, a bare Node.js process's reading the same channel,
 *  - first, what the machine charges for a loopback round trip between two
 *    processes and for touching fresh memory (lib/machine-calibration.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { keepAliveAgent, requestJson } from './lib/keep-alive-client.js';
import { calibrateMachine, describeCalibration } from './lib/machine-calibration.js';
import { cpuByGroup, cpuSeconds, snapshotCpu } from './lib/machine-cpu.js';
import { bucketDelta, observations, quantile, scrapeHistogram, sumBuckets, type Buckets } from './lib/prometheus-histogram.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ADMIN_URL = process.env.LATTICE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

interface State {
  url: string;
  serverName: string;
  database: string;
  redis: { port: number };
  processes: Array<{ name: string; role: string; pid: number; publicPort?: number; metricsPort: number }>;
}

async function startCluster(persisters: number, port: number): Promise<{ state: State; stop(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lattice-bench-cluster-'));
  const name = `lattice_bench_${process.pid}_${persisters}`;
  const dbUrl = new URL(ADMIN_URL);
  dbUrl.pathname = `/${name}`;
  const args = ['scripts/cluster.mjs', '--no-build', '--fresh', '--port', String(port), '--dir', dir, '--database', dbUrl.toString()];
  args.push('--persisters', String(persisters), '--open-registration', '--relax-rate-limits');
  const child: ChildProcess = spawn(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
  const statePath = path.join(dir, 'cluster.json');
  while (!existsSync(statePath)) {
    if (child.exitCode !== null) throw new Error('cluster failed to start');
    await new Promise((r) => setTimeout(r, 200));
  }
  const state = JSON.parse(readFileSync(statePath, 'utf8')) as State;
  return {
    state,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      const admin = new pg.Client({ connectionString: ADMIN_URL });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function api<T>(base: string, token: string | undefined, method: string, p: string, body?: unknown): Promise<T> {
  return requestJson<T>(`${base}/_matrix/client/v3${p}`, method, token, body);
}

async function user(base: string, name: string): Promise<{ token: string; roomId: string }> {
  const reg = await api<{ access_token: string }>(base, undefined, 'POST', '/register', {
    username: name,
    password: 'bench bench bench',
    auth: { type: 'm.login.dummy' },
  });
  const room = await api<{ room_id: string }>(base, reg.access_token, 'POST', '/createRoom', {});
  return { token: reg.access_token, roomId: room.room_id };
}

/** One message at a time from one user; another user long-polls on a sync worker: creation → arrival (ms). */
async function idleDelivery(base: string, syncBase: string, tag: string, samples: number): Promise<number[]> {
  const alice = await user(base, `idle_a${tag}`);
  const bob = await api<{ access_token: string; user_id: string }>(base, undefined, 'POST', '/register', {
    username: `idle_b${tag}`,
    password: 'bench bench bench',
    auth: { type: 'm.login.dummy' },
  });
  await api(base, alice.token, 'POST', `/rooms/${encodeURIComponent(alice.roomId)}/invite`, { user_id: bob.user_id });
  await api(base, bob.access_token, 'POST', `/rooms/${encodeURIComponent(alice.roomId)}/join`, {});
  let since = (await api<{ next_batch: string }>(syncBase, bob.access_token, 'GET', '/sync?timeout=0')).next_batch;
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    const poll = api<{ next_batch: string; rooms?: { join?: Record<string, { timeline: { events: Array<{ type: string; origin_server_ts: number }> } }> } }>(
      syncBase,
      bob.access_token,
      'GET',
      `/sync?timeout=5000&since=${since}`,
    );
    await new Promise((r) => setTimeout(r, 20)); // the long-poll is parked on the sync worker
    await send(base, alice);
    const r = await poll;
    const now = Date.now();
    for (const e of r.rooms?.join?.[alice.roomId]?.timeline.events ?? []) if (e.type === 'm.room.message') latencies.push(now - e.origin_server_ts);
    since = r.next_batch;
  }
  return latencies;
}

let txn = 0;
const send = (base: string, u: { token: string; roomId: string }) =>
  api(base, u.token, 'PUT', `/rooms/${encodeURIComponent(u.roomId)}/send/m.room.message/b${txn++}`, { msgtype: 'm.text', body: 'bench' });

/** Every sender sends one message after another for `ms`; resolves with how many were sent. */
async function sendFor(base: string, senders: Array<{ token: string; roomId: string }>, ms: number): Promise<number> {
  let sent = 0;
  const start = Date.now();
  await Promise.all(
    senders.map(async (s) => {
      while (Date.now() - start < ms) {
        await send(base, s);
        sent++;
      }
    }),
  );
  return sent;
}

const DELAY_HISTOGRAM = 'lattice_replication_delay_seconds';
const scrapeDelays = (state: State): Promise<Buckets[]> =>
  Promise.all(state.processes.map((p) => scrapeHistogram(`http://127.0.0.1:${p.metricsPort}/metrics`, DELAY_HISTOGRAM)));

/**
 * Sends as the load phase will until the rate stops rising (by 5%), for at least 5 and at most 15 windows
 * of 3 s: a fresh process runs interpreted and then compiles its hot paths (each of the cluster's processes on
 * the same 2 cores), which takes far longer than one short window. Prints each window's rate.
 */
/**
 * By the time a production server takes such a load, autovacuum has analysed the tables the warm-up grew. A
 * PostgreSQL run with autovacuum off (this one machine's is) would plan every statement of the load on the
 * statistics of an empty database, which sorts whole tables where an index walk reads a page: the bench does then
 * what autovacuum would have done, and says so.
 */
async function analyzeIfNoAutovacuum(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ setting: string }>(`SELECT setting FROM pg_settings WHERE name = 'autovacuum'`);
    if (rows[0]?.setting !== 'off') return;
    await client.query('ANALYZE');
    console.log('this PostgreSQL runs with autovacuum off: the bench analysed the tables after the warm-up, as autovacuum would have');
  } finally {
    await client.end();
  }
}

async function warmUp(base: string, senders: Array<{ token: string; roomId: string }>): Promise<void> {
  const rates: number[] = [];
  for (let window = 0; window < 15; window++) {
    const start = Date.now();
    rates.push((await sendFor(base, senders, 3000)) / ((Date.now() - start) / 1000));
    // Compiling comes in steps (a plateau, then a jump): stop after two windows with no 5% gain on the best before them.
    const best = Math.max(...rates.slice(0, -2));
    if (rates.length >= 5 && Math.max(...rates.slice(-2)) < best * 1.05) break;
  }
  console.log(`warm-up (events/s per 3 s window)  ${rates.map((r) => r.toFixed(0)).join(' → ')}`);
}

/** Runs lib/bare-subscriber.js on the cluster's replication channel for `ms`; resolves with what it measured. */
function bareSubscriber(state: State, ms: number): Promise<{ cpuPercent: number; wakes: number }> {
  const script = fileURLToPath(new URL('./lib/bare-subscriber.js', import.meta.url));
  const channel = `lattice:${state.serverName}:replication`;
  const child = spawn(process.execPath, [script, String(state.redis.port), channel, String(ms)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as { cpuPercent: number; wakes: number }) : reject(new Error(`bare subscriber exited with ${code}`))));
  });
}

function pct(samples: number[], p: number): string {
  const sorted = [...samples].sort((a, b) => a - b);
  return (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN).toFixed(1);
}

/** The machine-wide CPU groups of the load phase: the cluster's workers, its services, this load generator, the rest. */
function groupOf(workerPids: ReadonlySet<number>): (pid: number, comm: string) => string {
  return (pid, comm) => {
    if (workerPids.has(pid)) return 'lattice workers';
    if (pid === process.pid) return 'load generator';
    if (comm === 'postgres' || comm === 'redis-server' || comm === 'nginx') return comm;
    return 'other';
  };
}

async function run(persisters: number, port: number): Promise<void> {
  const cluster = await startCluster(persisters, port);
  const base = cluster.state.url;
  try {
    console.log(`\n### ${persisters} event persister${persisters > 1 ? 's' : ''} (through nginx)`);
    const solo = await user(base, `solo${persisters}`);
    const senders = await Promise.all(Array.from({ length: 50 }, (_, i) => user(base, `s${persisters}_${i}`)));
    // One observer joined to every sender's room would need invites; instead each sender's own /sync on a sync worker.
    // They run from the warm-up on, so the sync worker that serves them is warm too (measured: 7.5 ms of CPU per
    // response when the load phase was its first work, 0.6 ms once warm).
    const observed: number[] = [];
    let observing = true;
    let syncResponses = 0;
    const syncBase = `http://127.0.0.1:${cluster.state.processes.find((p) => p.name === 'sync-2')!.publicPort}`;
    const observers = senders.slice(0, 10).map(async (s) => {
      let since = (await api<{ next_batch: string }>(syncBase, s.token, 'GET', '/sync?timeout=0')).next_batch;
      while (observing) {
        const r = await api<{ next_batch: string; rooms?: { join?: Record<string, { timeline: { events: Array<{ origin_server_ts: number }> } }> } }>(
          syncBase,
          s.token,
          'GET',
          `/sync?timeout=2000&since=${since}`,
        );
        const now = Date.now();
        syncResponses++;
        for (const room of Object.values(r.rooms?.join ?? {})) for (const e of room.timeline.events) observed.push(now - e.origin_server_ts);
        since = r.next_batch;
      }
    });
    // A running server is scraped (Prometheus): the metrics listener's first requests deoptimize HTTP code the public
    // listener's had compiled (another request class, V8 --trace-deopt), which cost the next seconds 15-20%.
    await scrapeDelays(cluster.state);
    await warmUp(base, senders); // a running server's code is compiled and its caches filled
    await analyzeIfNoAutovacuum(cluster.state.database);

    const pids = cluster.state.processes.map((p) => [p.name, p.pid] as const);
    const delaysBefore = await scrapeDelays(cluster.state);
    const cpuBefore = pids.map(([, pid]) => cpuSeconds(pid));
    const machineBefore = snapshotCpu();
    observed.length = 0;
    const loadStart = Date.now();
    const responsesBefore = syncResponses;
    const sent = await sendFor(base, senders, 5000);
    const loadSeconds = (Date.now() - loadStart) / 1000;
    const loadRate = sent / loadSeconds;
    const machineAfter = snapshotCpu();
    const machine = cpuByGroup(machineBefore, machineAfter, groupOf(new Set(pids.map(([, pid]) => pid))));
    const workerFaults = pids.map(([name, pid]) => `${name} ${(((machineAfter.get(pid)?.minorFaults ?? 0) - (machineBefore.get(pid)?.minorFaults ?? 0)) / sent).toFixed(1)}`);
    const cpuUsed = pids.map(([, pid], i) => cpuSeconds(pid) - cpuBefore[i]!);
    const cpuPerEvent = pids.map(([name], i) => `${name} ${((cpuUsed[i]! * 1000) / sent).toFixed(2)}`);
    const responses = syncResponses - responsesBefore;
    const delays = (await scrapeDelays(cluster.state)).map((after, i) => bucketDelta(delaysBefore[i]!, after));
    // The observers' sync worker also follows replication: its CPU per /sync includes that share.
    const syncCpu = cpuUsed[pids.findIndex(([name]) => name === 'sync-2')]!;
    observing = false;
    await Promise.all(observers);
    console.log(`50 concurrent senders              ${loadRate.toFixed(0)} events/s`);
    console.log(`  CPU per event (ms): ${cpuPerEvent.join(', ')}`);
    console.log(`  sync-2: ${responses} /sync responses, ${((syncCpu * 1000) / Math.max(1, responses)).toFixed(1)} ms of CPU per response`);
    const machineTotal = [...machine.values()].reduce((a, b) => a + b.seconds, 0);
    const byCpu = [...machine].sort((a, b) => b[1].seconds - a[1].seconds);
    const machineShares = byCpu.map(([group, used]) => `${group} ${((used.seconds * 1000) / sent).toFixed(2)}`);
    const faultShares = byCpu.map(([group, used]) => `${group} ${(used.minorFaults / sent).toFixed(1)}`);
    console.log(`  whole machine: ${((machineTotal / loadSeconds) * 100).toFixed(0)}% of a core busy (${os.cpus().length} cores); CPU per event (ms): ${machineShares.join(', ')}`);
    console.log(`  minor page faults per event: ${faultShares.join(', ')}; workers: ${workerFaults.join(', ')}`);
    const ms = (buckets: Buckets, q: number) => (quantile(buckets, q) * 1000).toFixed(1);
    const all = sumBuckets(delays);
    // A lone persister hears no other writer under this load: it has no delay to show, not a NaN.
    const perWorker = delays.map((d, i) => `${pids[i]![0]} ${observations(d) > 0 ? ms(d, 0.99) : 'none received'}`).join(', ');
    console.log(`replication delay (load)           p50 ${ms(all, 0.5)} ms  p99 ${ms(all, 0.99)} ms  (n=${observations(all)} messages received, all workers)`);
    console.log(`  p99 per worker (ms): ${perWorker}`);
    console.log(`creation → /sync delivery (load)   p50 ${pct(observed, 50)} ms  p99 ${pct(observed, 99)} ms  (n=${observed.length})`);

    // One send at a time, and delivery to another user's long-poll, after the load, which follows the warm-up as the
    // same traffic. Run before it, these phases' other code paths deoptimized functions the load had compiled (V8
    // --trace-deopt: 10-40 per worker), and the load measured 25-35% below the warm-up's rate while they recompiled.
    for (let i = 0; i < 20; i++) await send(base, solo);
    const latencies: number[] = [];
    const seqStart = Date.now();
    while (Date.now() - seqStart < 5000) {
      const t0 = performance.now();
      await send(base, solo);
      latencies.push(performance.now() - t0);
    }
    const seqRate = latencies.length / ((Date.now() - seqStart) / 1000);
    console.log(`sequential send                    ${seqRate.toFixed(0)} events/s  p50 ${pct(latencies, 50)} ms  p99 ${pct(latencies, 99)} ms`);
    const idleSync = `http://127.0.0.1:${cluster.state.processes.find((p) => p.name === 'sync-1')!.publicPort}`;
    const idle = await idleDelivery(base, idleSync, String(persisters), 100);
    console.log(`creation → other user's /sync      p50 ${pct(idle, 50)} ms  p99 ${pct(idle, 99)} ms  (one at a time, n=${idle.length})`);

    // The workers that only follow replication while these sends go on (sync-1 serves no /sync now).
    const followers = cluster.state.processes.filter((p) => ['federation-sender', 'media', 'federation-inbound'].includes(p.role) || p.name === 'sync-1');
    const PACED = 400;
    const floor = bareSubscriber(cluster.state, PACED * 25);
    const cpu0 = followers.map((p) => cpuSeconds(p.pid));
    const t0 = Date.now();
    // Paced, not awaited one by one: 40/s whatever a send's latency. A failed send is counted, not fatal.
    const paced: Promise<unknown>[] = [];
    let failed = 0;
    for (let i = 0; i < PACED; i++) {
      paced.push(send(base, senders[i % senders.length]!).catch(() => void failed++));
      await new Promise((r) => setTimeout(r, 25));
    }
    const elapsed = (Date.now() - t0) / 1000;
    const shares = followers.map((p, i) => ({ name: p.name, percent: ((cpuSeconds(p.pid) - cpu0[i]!) / elapsed) * 100 }));
    await Promise.all(paced);
    if (failed > 0) console.log(`  (${failed} of the paced sends failed)`);
    const sender = shares.find((s) => s.name.startsWith('federation-sender'))!;
    console.log(`idle worker following 40 events/s  ${sender.percent.toFixed(1)}% of a core (${sender.name})`);
    console.log(`  every follower: ${shares.map((s) => `${s.name} ${s.percent.toFixed(1)}%`).join(', ')}`);
    const bare = await floor;
    console.log(`  a bare Node.js process subscribed to the same channel, reading only: ${bare.cpuPercent.toFixed(1)}% of a core (${bare.wakes} wake-ups)`);
  } finally {
    await cluster.stop();
  }
}

// The same code measures several-fold apart on VMs of the same size: this line says what kind of machine it ran on.
console.log(`machine: ${describeCalibration(await calibrateMachine())}`);
// LATTICE_BENCH_PERSISTERS=2 runs one topology only (default: 1 then 2 persisters).
for (const n of (process.env.LATTICE_BENCH_PERSISTERS ?? '1,2').split(',').map(Number)) await run(n, 26000 + n * 100);
keepAliveAgent.destroy();
