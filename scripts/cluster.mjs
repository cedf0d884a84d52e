#!/usr/bin/env node
// `npm run cluster`: the worker split of deploy/docker-compose.yml as plain
// processes on one machine (ARCHITECTURE.md §2): PostgreSQL from the local
// install (a database of its own), a Redis server of its own, every role
// (2 client readers, 2 sync workers, N event persisters, federation inbound,
// M federation senders, media) and nginx with nginx/lattice-workers.conf in front, on
// one port. Stops everything on Ctrl-C / SIGTERM.
//
//   node scripts/cluster.mjs [--port 8080] [--dir data/cluster] [--server-name localhost]
//                            [--database postgres://…/lattice_cluster] [--persisters 2]
//                            [--federation-senders 1] [--fresh] [--no-build] [--open-registration] [--db-pool 10]
//                            [--tls-port 8448 --tls-cert cert.pem --tls-key key.pem]
//                            [--extra-config more.yaml]
//
// --tls-port puts a second, TLS listener on nginx (same routing) with that
// certificate: what other servers reach for federation when the server is
// named host:<tls-port>. --extra-config is YAML (or JSON) whose keys are laid
// over the generated homeserver.yaml (e.g. federation_custom_ca_list).
//
// It writes <dir>/cluster.json (every process's name, role, pid and ports, and
// the public URL) once every process is ready: tests read it.
//
// --federation-senders N (default 1) starts N federation senders, named
// federation-sender-1..N (one alone keeps the name federation-sender), all listed
// in federation_sender_instances: each sends to its own share of the
// destinations (rendezvous hash of the server name over that list).
/* global fetch, AbortSignal, clearTimeout */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import YAML from 'yaml';
import { ensureService } from './services.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function parseFlags(argv) {
  const flags = {};
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, '');
    if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) flags[name] = argv[++i];
    else flags[name] = true;
  }
  return flags;
}

const flags = parseFlags(process.argv.slice(2));
const port = Number(flags.port ?? 8080);
const dir = path.resolve(flags.dir ?? path.join(root, 'data/cluster'));
const serverName = flags['server-name'] ?? 'localhost';
const persisterCount = Number(flags.persisters ?? 2);
const federationSenderCount = Number(flags['federation-senders'] ?? 1);
if (!Number.isInteger(federationSenderCount) || federationSenderCount < 1) throw new Error('--federation-senders takes a count of 1 or more');
const tls = flags['tls-port'] ? { port: Number(flags['tls-port']), cert: path.resolve(flags['tls-cert']), key: path.resolve(flags['tls-key']) } : undefined;
const databaseUrl = flags.database ?? process.env.LATTICE_CLUSTER_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/lattice_cluster';
const dbPool = Number(flags['db-pool'] ?? 10);

/** The topology of deploy/docker-compose.yml: [name, role]. */
const topology = [
  ...Array.from({ length: persisterCount }, (_, i) => [`event-persister-${i + 1}`, 'event-persister']),
  ['client-reader-1', 'client-reader'],
  ['client-reader-2', 'client-reader'],
  ['sync-1', 'sync'],
  ['sync-2', 'sync'],
  ['media', 'media'],
  ['federation-inbound', 'federation-inbound'],
  ...(federationSenderCount === 1
    ? [['federation-sender', 'federation-sender']]
    : Array.from({ length: federationSenderCount }, (_, i) => [`federation-sender-${i + 1}`, 'federation-sender'])),
];
/** --relax-rate-limits (tests, benchmarks): clients on one machine send far faster than Synapse's defaults allow. */
const UNLIMITED = { per_second: 100000, burst_count: 100000 };
const RELAXED_RATE_LIMITS = {
  rc_message: UNLIMITED,
  rc_registration: UNLIMITED,
  rc_login: { address: UNLIMITED, account: UNLIMITED, failed_attempts: UNLIMITED },
  rc_joins: { local: UNLIMITED, remote: UNLIMITED },
  rc_joins_per_room: UNLIMITED,
  rc_room_creation: UNLIMITED,
  rc_invites: { per_room: UNLIMITED, per_user: UNLIMITED, per_issuer: UNLIMITED },
};
const PUBLIC_ROLES = new Set(['client-reader', 'sync', 'media', 'federation-inbound']);

const children = [];
let stopping = false;

function log(line) {
  console.log(`[cluster] ${line}`);
}

async function main() {
  if (flags.fresh) rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, 'logs'), { recursive: true });
  // A previous run's state names processes that are gone: it appears again once this cluster is ready.
  rmSync(path.join(dir, 'cluster.json'), { force: true });
  if (!flags['no-build']) {
    log('building (tsc -b)…');
    execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-b'], { cwd: root, stdio: 'inherit' });
  }
  if (!flags.database && !process.env.LATTICE_CLUSTER_PG_URL) await ensureService('postgres');
  await ensureDatabase(databaseUrl, Boolean(flags.fresh));

  // Ports: nginx on `port`, Redis on port+1, then three per process (public, metrics, internal).
  const redisPort = port + 1;
  const processes = topology.map(([name, role], i) => ({
    name,
    role,
    publicPort: PUBLIC_ROLES.has(role) ? port + 10 + i * 3 : undefined,
    metricsPort: port + 11 + i * 3,
    internalPort: port + 12 + i * 3,
  }));
  const configPath = await writeConfig(processes, redisPort);

  const redis = startRedis(redisPort);
  await waitFor(() => tcpReady(redisPort), 'redis');

  // Persisters first: they migrate the database (under the advisory lock) before the others start.
  for (const p of processes.filter((p) => p.role === 'event-persister')) startWorker(p, configPath);
  await Promise.all(processes.filter((p) => p.role === 'event-persister').map((p) => waitReady(p)));
  for (const p of processes.filter((p) => p.role !== 'event-persister')) startWorker(p, configPath);
  await Promise.all(processes.map((p) => waitReady(p)));

  const nginx = startNginx(processes);
  await waitFor(() => httpOk(`http://127.0.0.1:${port}/_matrix/client/versions`), 'nginx');

  const url = `http://127.0.0.1:${port}`;
  const state = {
    url,
    ...(tls ? { federationUrl: `https://127.0.0.1:${tls.port}` } : {}),
    serverName,
    configPath,
    database: databaseUrl,
    redis: { pid: redis.pid, port: redisPort, args: redisArgs(redisPort) },
    nginx: { pid: nginx.pid },
    processes: processes.map((p) => ({ ...p, pid: p.child.pid, child: undefined })),
  };
  // Written aside and renamed: whoever waits for cluster.json (tests, the bench) must never read it half-written.
  const statePath = path.join(dir, 'cluster.json');
  writeFileSync(`${statePath}.partial`, JSON.stringify(state, null, 2));
  renameSync(`${statePath}.partial`, statePath);
  log(`ready: ${url} (logs in ${path.join(dir, 'logs')})`);
}

async function ensureDatabase(url, fresh) {
  const target = new URL(url);
  const name = target.pathname.slice(1);
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`database name ${name} must be a plain identifier`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    if (fresh) await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`);
    await warnOfConnectionShortage(client, name);
  } finally {
    await client.end();
  }
}

/**
 * Each worker keeps up to cp_max connections (held for minutes after a burst): when the server has fewer left
 * (other databases, another cluster), some are refused ("sorry, too many clients already") and requests fail
 * here and there, which looks like a slow or stalled server rather than a full one.
 */
async function warnOfConnectionShortage(client, name) {
  const needed = topology.length * dbPool;
  const { rows } = await client.query(
    `SELECT current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int AS usable,
            (SELECT count(*)::int FROM pg_stat_activity WHERE backend_type = 'client backend' AND datname IS DISTINCT FROM $1) AS others`,
    [name],
  );
  const free = rows[0].usable - rows[0].others;
  if (needed > free) {
    log(`warning: ${topology.length} workers may open ${needed} connections (--db-pool ${dbPool} each), PostgreSQL has ${free} left ` +
      `(max_connections less reserved and ${rows[0].others} in use elsewhere): raise max_connections or lower --db-pool`);
  }
}

async function writeConfig(processes, redisPort) {
  const configPath = path.join(dir, 'homeserver.yaml');
  const keyPath = path.join(dir, `${serverName}.signing.key`);
  if (!existsSync(keyPath)) {
    const { generateSigningKey, formatSigningKeyFile } = await import(path.join(root, 'packages/core/dist/index.js'));
    writeFileSync(keyPath, formatSigningKeyFile([generateSigningKey()]), { mode: 0o600 });
  }
  // The secret survives restarts of the launcher (it is in the file already).
  const previous = existsSync(configPath) ? YAML.parse(readFileSync(configPath, 'utf8')) : {};
  const names = (role) => processes.filter((p) => p.role === role).map((p) => p.name);
  const readers = names('client-reader');
  const config = {
    server_name: serverName,
    public_baseurl: `http://127.0.0.1:${port}/`,
    report_stats: false,
    log_level: 'info',
    database: { name: 'postgres', args: { connection_string: databaseUrl, cp_max: dbPool } },
    redis: { enabled: true, host: '127.0.0.1', port: redisPort },
    signing_key_path: keyPath,
    media_store_path: path.join(dir, 'media_store'),
    registration_shared_secret: previous.registration_shared_secret ?? randomBytes(24).toString('hex'),
    worker_replication_secret: previous.worker_replication_secret ?? randomBytes(24).toString('hex'),
    enable_registration: Boolean(flags['open-registration']),
    enable_registration_without_verification: Boolean(flags['open-registration']),
    ...(flags['relax-rate-limits'] ? RELAXED_RATE_LIMITS : {}),
    ...(flags['extra-config'] ? YAML.parse(readFileSync(path.resolve(flags['extra-config']), 'utf8')) : {}),
  };
  Object.assign(config, {
    instance_map: Object.fromEntries(processes.map((p) => [p.name, { host: '127.0.0.1', port: p.internalPort }])),
    stream_writers: {
      events: names('event-persister'),
      account_data: readers,
      // federation-inbound writes what other servers' EDUs bring: to-device messages, device lists, receipts.
      to_device: [...readers, ...names('federation-inbound')],
      device_lists: [...readers, ...names('federation-inbound')],
      presence: readers,
      receipts: [...readers, ...names('federation-inbound')],
      push_rules: readers,
      caches: readers,
      typing: [readers[0]],
    },
    // Destinations are spread over the federation senders (Synapse's key).
    federation_sender_instances: names('federation-sender'),
  });
  writeFileSync(configPath, YAML.stringify(config), { mode: 0o600 });
  return configPath;
}

function redisArgs(redisPort) {
  return ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
}

function startRedis(redisPort) {
  return track('redis', spawn('redis-server', redisArgs(redisPort), { stdio: ['ignore', logFile('redis'), logFile('redis')] }));
}

function startWorker(p, configPath) {
  const listeners = [];
  if (p.publicPort) listeners.push({ port: p.publicPort, bind_addresses: ['127.0.0.1'], x_forwarded: true, resources: [{ names: ['client'] }] });
  listeners.push({ port: p.metricsPort, bind_addresses: ['127.0.0.1'], type: 'metrics', resources: [{ names: ['metrics'] }] });
  // LATTICE_WORKER_NODE_ARGS passes flags such as --cpu-prof to every worker (NODE_OPTIONS refuses some of them).
  const nodeArgs = (process.env.LATTICE_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, path.join(root, `apps/${p.role}/dist/main.js`), '--config', configPath, '--name', p.name], {
    cwd: dir,
    env: { ...process.env, LATTICE_LISTENERS: JSON.stringify(listeners) },
    stdio: ['ignore', logFile(p.name), logFile(p.name)],
  });
  p.child = track(p.name, child);
}

function startNginx(processes) {
  const upstream = (name, members) =>
    `upstream ${name} {\n${members.map((p) => `    server 127.0.0.1:${p.publicPort};`).join('\n')}\n    keepalive 64;\n}\n`;
  const of = (role) => processes.filter((p) => p.role === role);
  const upstreams =
    upstream('lattice_client_reader', of('client-reader')) +
    upstream('lattice_typing', of('client-reader').slice(0, 1)) +
    upstream('lattice_sync', of('sync')) +
    upstream('lattice_media', of('media')) +
    upstream('lattice_federation_inbound', of('federation-inbound'));
  const tlsListen = tls ? `\n    listen 127.0.0.1:${tls.port} ssl;\n    ssl_certificate ${tls.cert};\n    ssl_certificate_key ${tls.key};` : '';
  const routing = readFileSync(path.join(root, 'nginx/lattice-workers.conf'), 'utf8').replace(
    /listen 8008;/,
    `listen 127.0.0.1:${port};${tlsListen}`,
  );
  const nginxDir = path.join(dir, 'nginx');
  mkdirSync(path.join(nginxDir, 'temp'), { recursive: true });
  const conf = [
    'daemon off;',
    // Started as root (CI, containers), nginx's workers would run as nobody, who may not enter `dir`
    // (mkdtemp's 0700): request bodies and responses larger than its buffers go to temp files there,
    // and each such request (a device's one-time keys, a media upload, a large /sync) failed with 500.
    ...(process.getuid?.() === 0 ? ['user root;'] : []),
    'worker_processes 1;',
    `pid ${path.join(nginxDir, 'nginx.pid')};`,
    `error_log ${path.join(dir, 'logs', 'nginx.log')} warn;`,
    'events { worker_connections 4096; }',
    'http {',
    `    access_log off;`,
    `    client_body_temp_path ${path.join(nginxDir, 'temp')};`,
    `    proxy_temp_path ${path.join(nginxDir, 'temp')};`,
    `    fastcgi_temp_path ${path.join(nginxDir, 'temp')};`,
    `    uwsgi_temp_path ${path.join(nginxDir, 'temp')};`,
    `    scgi_temp_path ${path.join(nginxDir, 'temp')};`,
    upstreams,
    routing,
    '}',
  ].join('\n');
  const confPath = path.join(nginxDir, 'nginx.conf');
  writeFileSync(confPath, conf);
  const bin = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';
  return track('nginx', spawn(bin, ['-c', confPath, '-p', nginxDir, '-e', path.join(dir, 'logs', 'nginx.log')], { stdio: ['ignore', logFile('nginx'), logFile('nginx')] }));
}

function logFile(name) {
  return openSync(path.join(dir, 'logs', `${name}.log`), 'a');
}

/** What the workers stand on: stopped only once they have exited. */
const INFRASTRUCTURE = new Set(['redis', 'nginx']);

function track(name, child) {
  child.infrastructure = INFRASTRUCTURE.has(name);
  children.push(child);
  child.once('exit', (code, signal) => {
    if (!stopping) log(`${name} exited (${signal ?? code}); see ${path.join(dir, 'logs', `${name}.log`)}`);
  });
  child.once('error', (err) => log(`${name} failed to start: ${err.message}`));
  return child;
}

async function waitReady(p) {
  await waitFor(async () => {
    if (p.child.exitCode !== null) throw new Error(`${p.name} exited with ${p.child.exitCode}; see ${path.join(dir, 'logs', `${p.name}.log`)}`);
    // /ready answers from the metrics listener, bound before the internal one other workers call.
    return (await httpOk(`http://127.0.0.1:${p.metricsPort}/ready`)) && (await tcpReady(p.internalPort));
  }, p.name);
}

async function waitFor(check, what, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch((err) => Promise.reject(err))) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} not ready after ${timeoutMs / 1000} s`);
}

async function httpOk(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

async function tcpReady(p) {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port: p });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

async function stop(code) {
  if (stopping) return;
  stopping = true;
  const running = (c) => c.exitCode === null && c.signalCode === null;
  const terminate = async (group) => {
    for (const child of group) if (running(child)) child.kill('SIGTERM');
    await Promise.all(group.map((c) => (running(c) ? new Promise((r) => c.once('exit', r)) : undefined)));
  };
  const force = setTimeout(() => {
    for (const child of children) if (running(child)) child.kill('SIGKILL');
    process.exit(code);
  }, 15_000);
  // Workers first, as docker compose stops them before what they depend on: a worker whose Redis
  // is already gone has to give up on closing its queues.
  await terminate(children.filter((c) => !c.infrastructure));
  await terminate(children.filter((c) => c.infrastructure));
  clearTimeout(force);
  process.exit(code);
}

process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
main().catch((err) => {
  console.error(`[cluster] failed: ${err.message}`);
  void stop(1);
});
