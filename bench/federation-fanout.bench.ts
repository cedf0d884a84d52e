/**
 * Outbound federation fan-out: local users' messages in a room with members
 * on 100 other servers, through the real outbound path (the single-process
 * homeserver's handler, apps/homeserver/src/homeserver-app.ts: its
 * FederationSender and durable outbox, the federation HTTP client with
 * X-Matrix signing, server discovery of 127.0.0.1:<port> names, the address
 * policy, TLS checked against a test CA) to 100 mock destinations: real HTTPS
 * servers in another process (bench/lib/fanout-destinations-process.ts, with
 * the clients), so this process runs the server alone. Each remote server's
 * user joined the room with a join event signed by that server, persisted as
 * the inbound path persists it. After a warm-up of 200 messages:
 *  - live: 10 local users send 2,000 messages (EVENTS=…) over the
 *    Client-Server API as fast as the server accepts them;
 *  - backlog: 500 messages (BACKLOG=…) queue up while every destination
 *    holds its transaction in flight unanswered, then drain.
 * Prints per phase: sends/s accepted; events/s and PDUs/s fully delivered
 * (the phase's start to the last PDU's arrival at the last destination);
 * transactions (batching: PDUs per transaction, the most in flight to one
 * destination); the CPU of this process (with PGlite that includes the
 * database), of the PostgreSQL backends (and their transactions), of the
 * destinations' process; the load average. Every destination must receive
 * every event exactly once.
 * Usage: node bench/dist/federation-fanout.bench.js [postgres|pglite]
 * (a profile of the server: node --cpu-prof bench/dist/federation-fanout.bench.js postgres).
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createRoomServices, registerAccount } from '@lattice/client-api';
import { createMetrics, encodeBase64, generateSigningKey, getRoomVersion, parseConfig, type RoomEvent } from '@lattice/core';
import { remoteEventsOf } from '@lattice/federation';
import type { Database } from '@lattice/storage';
import { pino } from 'pino';
import { createBenchDatabase } from './lib/bench-database.js';
import { BENCH_RATE_LIMITS } from './lib/bench-rate-limits.js';
import type { DestinationsRun, DestinationsStart, ExactlyOnce, FromDestinations, PhaseFigures, ToDestinations } from './lib/fanout-destinations-process.js';
import { signedEvent } from './lib/federation-fixtures.js';
import { createTestCa } from './lib/test-ca.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, '../..');
const SERVER_NAME = 'bench.local';
const DESTINATIONS = 100;
const SENDERS = 10;
const EVENTS = Number(process.env['EVENTS'] ?? 2_000);
const WARMUP_EVENTS = 200;
const BACKLOG_EVENTS = Number(process.env['BACKLOG'] ?? 500);
const v10 = getRoomVersion('10')!;

type HomeserverApp = typeof import('../apps/homeserver/dist/homeserver-app.js');
type Kind = 'postgres' | 'pglite';

/** The destinations' process, answering one message at a time. */
function destinationsProcess(): { child: ChildProcess; ask<T extends FromDestinations>(message: ToDestinations): Promise<T> } {
  // No --cpu-prof (or other flags) of ours: a profile is of the server.
  const child = fork(path.join(HERE, 'lib/fanout-destinations-process.js'), [], { execArgv: [] });
  return {
    child,
    ask: <T extends FromDestinations>(message: ToDestinations) =>
      new Promise<T>((resolve, reject) => {
        const exited = (code: number | null) => reject(new Error(`the destinations' process exited with ${code}`));
        child.once('exit', exited);
        child.once('message', (answer) => {
          child.off('exit', exited);
          resolve(answer as T);
        });
        child.send(message);
      }),
  };
}

/** CPU seconds (user + system) the database's PostgreSQL backends have used so far, by pid (Linux /proc). */
async function backendCpu(db: Database): Promise<Map<number, number>> {
  const { rows } = await db.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()');
  const ticks = new Map<number, number>();
  for (const { pid } of rows) {
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    ticks.set(pid, (Number(fields[11]) + Number(fields[12])) / 100);
  }
  return ticks;
}

/** The database's transactions so far (each statement outside BEGIN is one); backends report them within a second. */
async function transactionsSoFar(db: Database): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const { rows } = await db.query<{ n: string }>('SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()');
  return Number(rows[0]!.n);
}

/** Waits until the outbox holds `rows` rows. */
async function outboxHolds(db: Database, rows: number): Promise<void> {
  for (;;) {
    const { rows: found } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM federation_outbox');
    if (found[0]!.n === rows) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const outboxDrained = (db: Database) => outboxHolds(db, 0);

async function benchOn(kind: Kind): Promise<void> {
  const ca = createTestCa();
  const { certPath, keyPath } = ca.issue(['127.0.0.1']);
  const signingKey = generateSigningKey('bench');
  const destinations = destinationsProcess();
  const start: DestinationsStart = {
    type: 'start',
    count: DESTINATIONS,
    certPath,
    keyPath,
    roomVersion: v10.id,
    origin: SERVER_NAME,
    originKeyId: signingKey.keyId,
    originPublicKey: encodeBase64(signingKey.publicKey),
  };
  const { names } = await destinations.ask<{ type: 'ready'; names: string[] }>(start);

  const db = await createBenchDatabase(kind);
  const logger = pino({ level: 'silent' });
  const config = parseConfig(
    `server_name: ${SERVER_NAME}
trusted_key_servers: []
federation_custom_ca_list: ["${ca.caPath}"]
ip_range_whitelist: ["127.0.0.1/32"]
${BENCH_RATE_LIMITS}`,
    { env: {}, configDir: os.tmpdir() },
  );
  const rooms = await createRoomServices({ db, config, signingKey, instanceName: 'master', logger });
  const { handlerForListener } = (await import(path.join(REPO_ROOT, 'apps/homeserver/dist/homeserver-app.js'))) as HomeserverApp;
  const listener = config.listeners.find((l) => l.type === 'http' && l.resources.some((r) => r.names.includes('client')))!;
  const server = http.createServer(handlerForListener({ config, db, logger, signingKey, metrics: createMetrics('homeserver'), rooms })(listener));
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const clientBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}/_matrix/client/v3`;

  // The local users (password hashing runs on the thread pool: in parallel), all joined to a public room.
  const ctx = { config, db, logger, rooms };
  const senders = await Promise.all(
    Array.from({ length: SENDERS }, (_, i) => registerAccount(ctx, { localpart: `sender${i}`, password: 'bench password', session: { refreshable: false } })),
  );
  const owner = senders[0]!.user_id;
  const { roomId, events } = await rooms.persister.createRoom({
    version: v10,
    creator: owner,
    createContent: {},
    then: [
      { type: 'm.room.member', state_key: owner, sender: owner, content: { membership: 'join' } },
      { type: 'm.room.power_levels', state_key: '', sender: owner, content: { users: { [owner]: 100 } } },
      { type: 'm.room.join_rules', state_key: '', sender: owner, content: { join_rule: 'public' } },
      ...senders.slice(1).map((s) => ({ type: 'm.room.member', state_key: s.user_id, sender: s.user_id, content: { membership: 'join' } })),
    ],
  });
  // One user of each destination joins, the join signed by its server (as the inbound path would persist it).
  const [create, , pl, rules] = events.map((e) => e.event);
  let prev: RoomEvent = events[events.length - 1]!.event;
  let ts = Date.now();
  const joins = names.map((name) => {
    const user = `@u:${name}`;
    const join = signedEvent(v10, { room_id: roomId, type: 'm.room.member', state_key: user, sender: user, content: { membership: 'join' } }, [prev], [create!, pl!, rules!], name, generateSigningKey('r'), ++ts);
    prev = join;
    return { event: join };
  });
  const accepted = await remoteEventsOf(ctx).acceptEvents(roomId, joins);
  if (accepted.some((r) => r.outcome !== 'accepted')) throw new Error(`remote join not accepted: ${JSON.stringify(accepted.find((r) => r.outcome !== 'accepted'))}`);
  await outboxDrained(db);

  const line = (name: string, value: string) => console.log(`${`${name} (${kind})`.padEnd(62)} ${value}`);
  const rate = (n: number, secs: number) => `${Math.round(n / secs).toLocaleString('en-US')}/s`;
  /** A phase's figures, and the CPU this process and (PostgreSQL) the database's backends spent in it. */
  async function measured(name: string, phase: () => Promise<PhaseFigures>): Promise<void> {
    // Neither PGlite nor the test PostgreSQL (autovacuum off) vacuums: each phase starts as after a vacuum.
    await db.exec('VACUUM federation_outbox, federation_destinations, federation_destination_rooms');
    const load = os.loadavg();
    const xacts0 = kind === 'postgres' ? await transactionsSoFar(db) : undefined;
    const pg0 = kind === 'postgres' ? await backendCpu(db) : undefined;
    const cpu0 = process.cpuUsage();
    const elu0 = performance.eventLoopUtilization();
    const f = await phase();
    const cpu = process.cpuUsage(cpu0);
    const busy = performance.eventLoopUtilization(elu0).utilization;
    let pgSecs = 0;
    if (pg0 !== undefined) for (const [pid, secs] of await backendCpu(db)) pgSecs += secs - (pg0.get(pid) ?? 0);
    await outboxDrained(db);
    const xacts = xacts0 === undefined ? undefined : (await transactionsSoFar(db)) - xacts0;

    const serverSecs = (cpu.user + cpu.system) / 1e6;
    const pdus = f.events * DESTINATIONS;
    if (f.sendSecs > 0) line(`${name}: ${f.events} sends by ${SENDERS} users, accepted`, `${rate(f.events, f.sendSecs)} (${f.sendSecs.toFixed(2)} s)`);
    line(`${name}: fully delivered to ${DESTINATIONS} destinations`, `${rate(f.events, f.deliverSecs)} events, ${rate(pdus, f.deliverSecs)} PDUs (${f.deliverSecs.toFixed(2)} s)`);
    line(
      `${name}: transactions`,
      `${f.transactions.toLocaleString('en-US')}, ${(f.pdus / f.transactions).toFixed(1)} PDUs each (max ${f.maxPdusPerTransaction}), ` +
        `≤ ${f.maxInFlight} in flight per destination, ${f.edus} EDUs, ${f.connections} TLS connections opened`,
    );
    line(
      `${name}: CPU of the server process${kind === 'pglite' ? ' (with PGlite)' : ''}`,
      `${serverSecs.toFixed(2)} s (system ${(cpu.system / 1e6).toFixed(2)} s; ${Math.round((serverSecs / f.deliverSecs) * 100)}% of a core, ` +
        `loop busy ${Math.round(busy * 100)}%), ${Math.round((serverSecs / pdus) * 1e6)} µs per PDU`,
    );
    if (xacts !== undefined) {
      line(`${name}: CPU of the PostgreSQL backends`, `${pgSecs.toFixed(2)} s, ${xacts.toLocaleString('en-US')} transactions (${(xacts / f.transactions).toFixed(1)} per federation transaction)`);
    }
    line(`${name}: CPU of the destinations and clients`, `${f.cpuSecs.toFixed(2)} s (loop busy ${Math.round(f.eventLoopBusy * 100)}%)`);
    line(`${name}: load average at the start (1, 5, 15 min)`, load.map((l) => l.toFixed(2)).join(', '));
  }

  const run = (label: string, events: number): DestinationsRun => ({
    type: 'run',
    clientBase,
    roomId,
    tokens: senders.map((s) => s.access_token!),
    perSender: events / SENDERS,
    label,
  });
  // Warm-up: JIT, caches, the 100 TLS connections.
  await destinations.ask(run('warmup', WARMUP_EVENTS));
  await outboxDrained(db);

  // Live: the clients send as fast as the server accepts, and each event goes out as the sender sees it.
  await measured('live', () => destinations.ask<{ type: 'delivered' } & PhaseFigures>(run('live', EVENTS)));

  // Backlog: while each destination's transaction in flight waits for its answer, the clients' messages
  // queue up in the outbox (persisted in this process directly: quicker than over HTTP); then the
  // destinations answer and the outbox drains, 50 PDUs a transaction.
  await destinations.ask({ type: 'hold' });
  const backlog = (
    await Promise.all(
      senders.map(async (s, i) => {
        const ids: string[] = [];
        for (let n = 0; n < BACKLOG_EVENTS / SENDERS; n++) {
          const content = { msgtype: 'm.text', body: `backlog message ${n} from sender ${i}` };
          ids.push((await rooms.persister.createEvent({ room_id: roomId, type: 'm.room.message', sender: s.user_id, content })).event.event_id);
        }
        return ids;
      }),
    )
  ).flat();
  await outboxHolds(db, BACKLOG_EVENTS * DESTINATIONS);
  await measured('backlog', () => destinations.ask<{ type: 'delivered' } & PhaseFigures>({ type: 'release', eventIds: backlog }));

  const once = await destinations.ask<{ type: 'checked' } & ExactlyOnce>({ type: 'check' });
  const problems = [
    once.missing > 0 && `${once.missing} PDUs missing`,
    once.duplicates > 0 && `${once.duplicates} PDUs delivered twice`,
    once.unknown > 0 && `${once.unknown} PDUs of events not sent in a phase`,
    once.signaturesChecked !== DESTINATIONS && `X-Matrix checked at ${once.signaturesChecked} destinations only`,
  ].filter(Boolean);
  if (problems.length > 0) throw new Error(problems.join('; '));
  line(`exactly once`, `${once.expected.toLocaleString('en-US')} PDUs, none missing or repeated; X-Matrix valid`);

  destinations.child.disconnect();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rooms.close();
  await db.close();
  ca.remove();
}

// One driver per process: the homeserver handler's background work (sender, timers) ends with it.
const only = process.argv[2] as Kind | undefined;
if (only !== undefined) {
  await benchOn(only);
  process.exit(0);
}
for (const kind of ['postgres', 'pglite'] as const) {
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), kind], { stdio: 'inherit' });
  if (r.status !== 0) process.exitCode = 1;
}
