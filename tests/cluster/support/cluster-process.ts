import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { portFree } from '../../support/free-port.js';
import { createEmptyPostgresDatabase } from '../../support/postgres.js';
import { REPO_ROOT } from '../../support/homeserver-process.js';
import { GENEROUS_RATE_LIMIT_ENV } from '../../support/generous-rate-limits.js';
import { TEST_PASSWORD_HASHING_ENV } from '../../support/test-password-hashing.js';

export interface ClusterProcess {
  name: string;
  role: string;
  pid: number;
  publicPort?: number;
  metricsPort: number;
  internalPort: number;
}

export interface ClusterState {
  url: string;
  /** nginx's TLS listener (with ClusterOptions.tls): where other servers reach this one. */
  federationUrl?: string;
  serverName: string;
  configPath: string;
  database: string;
  redis: { pid: number; port: number; args: string[] };
  processes: ClusterProcess[];
}

export interface RunningCluster {
  state: ClusterState;
  dir: string;
  /** The public URL of one process (bypassing nginx), to pin a request to a replica. */
  urlOf(name: string): string;
  processOf(name: string): ClusterProcess;
  /** SIGKILLs the cluster's Redis and starts a new one on the same port (no data: Redis holds none). */
  restartRedis(downMs: number): Promise<void>;
  /** SIGKILLs one worker process (no clean shutdown: what a crash looks like). */
  kill(name: string): void;
  /** SIGSTOPs one worker: it keeps its sockets open and answers nothing (a hung process) until resume(). */
  pause(name: string): void;
  resume(name: string): void;
  /** Starts a killed worker again under the same name and ports; resolves once it is ready. */
  restart(name: string): Promise<void>;
  stop(): Promise<void>;
}

/** Something accepts connections on the loopback port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Base ports this process has handed out: two clusters started at once must not both take a range found free. */
const basesTaken = new Set<number>();

/** A base port with the ~45 ports after it free (the launcher lays its ports out from there), and that `accept` takes. */
async function freeBasePort(accept: (base: number) => boolean): Promise<number> {
  for (;;) {
    // Below Linux's ephemeral range (32768 up), where other tests' sockets would take ports from under the cluster.
    const base = 20_000 + Math.floor(Math.random() * 120) * 100;
    if (basesTaken.has(base) || !accept(base)) continue;
    basesTaken.add(base);
    const probes = await Promise.all(Array.from({ length: 60 }, (_, o) => portFree(base + o)));
    if (probes.every(Boolean)) return base;
  }
}

/** A cluster that could not start; `portTaken` when a port of its range was taken meanwhile (another test's). */
class ClusterStartError extends Error {
  constructor(
    message: string,
    readonly portTaken: boolean,
  ) {
    super(message);
  }
}

export interface ClusterOptions {
  persisters?: number;
  /** Federation senders (default 1, named federation-sender; more are federation-sender-1..N). */
  federationSenders?: number;
  /** PostgreSQL connections per process (default 4; see --db-pool below). */
  dbPool?: number;
  /**
   * A certificate for nginx's TLS listener, on a port of the cluster's range; the cluster is then named
   * 127.0.0.1:<that port> (unless serverName says otherwise), so other servers federate with it over TLS.
   */
  tls?: { certPath: string; keyPath: string };
  serverName?: string;
  /** Keys laid over the generated homeserver.yaml (e.g. federation_custom_ca_list, ip_range_whitelist). */
  extraConfig?: Record<string, unknown>;
  /**
   * With tls and no serverName: only a name (127.0.0.1:<port>) this accepts, e.g. one that another
   * server's rendezvous hash gives to a chosen federation sender.
   */
  acceptServerName?: (serverName: string) => boolean;
}

/**
 * Starts `scripts/cluster.mjs` (the built apps, a fresh PostgreSQL database,
 * its own Redis and nginx) and resolves once it wrote cluster.json (every
 * process ready).
 */
export async function startCluster(opts: ClusterOptions = {}): Promise<RunningCluster> {
  // A range found free can be taken before the cluster binds it (a cluster in another jest worker): then again, elsewhere.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startClusterOnce(opts);
    } catch (err) {
      if (!(err instanceof ClusterStartError && err.portTaken && attempt < 3)) throw err;
    }
  }
}

async function startClusterOnce(opts: ClusterOptions): Promise<RunningCluster> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lattice-cluster-'));
  const db = await createEmptyPostgresDatabase();
  // The launcher's ports are port (nginx), port+1 (Redis), port+10 on (the workers): port+2 is free for TLS.
  const tlsPortOf = (base: number) => base + 2;
  const nameOf = (base: number) => opts.serverName ?? (opts.tls ? `127.0.0.1:${tlsPortOf(base)}` : undefined);
  const port = await freeBasePort((base) => {
    const name = nameOf(base);
    return opts.acceptServerName === undefined || (name !== undefined && opts.acceptServerName(name));
  });
  const args = [
    path.join(REPO_ROOT, 'scripts/cluster.mjs'),
    '--no-build',
    '--port', String(port),
    '--dir', dir,
    '--database', db.url,
    '--persisters', String(opts.persisters ?? 2),
    '--federation-senders', String(opts.federationSenders ?? 1),
    '--open-registration',
    '--relax-rate-limits',
    // Two clusters may run at once (jest workers) beside other suites: 10 processes × 10 connections each would
    // pass PostgreSQL's default max_connections (100), and a refused connection is a 500 to the test's client.
    '--db-pool', String(opts.dbPool ?? 4),
  ];
  if (opts.tls) args.push('--tls-port', String(tlsPortOf(port)), '--tls-cert', opts.tls.certPath, '--tls-key', opts.tls.keyPath);
  const serverName = nameOf(port);
  if (serverName) args.push('--server-name', serverName);
  if (opts.extraConfig) {
    const extraPath = path.join(dir, 'extra-config.json');
    await writeFile(extraPath, JSON.stringify(opts.extraConfig));
    args.push('--extra-config', extraPath);
  }
  const launcher: ChildProcess = spawn(process.execPath, args, { env: { ...process.env, ...TEST_PASSWORD_HASHING_ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  launcher.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
  launcher.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<void>((resolve) => launcher.once('exit', () => resolve()));
  const statePath = path.join(dir, 'cluster.json');
  const deadline = Date.now() + 180_000;
  while (!existsSync(statePath)) {
    if (launcher.exitCode !== null || Date.now() > deadline) {
      launcher.kill('SIGTERM');
      await exited;
      // The processes' own words on why, before their logs go with the directory.
      const logs = readdirSync(path.join(dir, 'logs'), { withFileTypes: true })
        .filter((f) => f.isFile())
        .map((f) => `--- ${f.name}\n${readFileSync(path.join(dir, 'logs', f.name), 'utf8').split('\n').slice(-15).join('\n')}`);
      await db.drop();
      await rm(dir, { recursive: true, force: true });
      const said = `${output.join('')}\n${logs.join('\n')}`;
      throw new ClusterStartError(`cluster did not start:\n${said}`, /EADDRINUSE|Address already in use/.test(said));
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const state = JSON.parse(readFileSync(statePath, 'utf8')) as ClusterState;
  let redis: ChildProcess | undefined;
  /** Workers started again by restart() (the launcher only stops the ones it started). */
  const restarted = new Map<string, ChildProcess>();

  const processOf = (name: string): ClusterProcess => {
    const p = state.processes.find((x) => x.name === name);
    if (!p) throw new Error(`no process ${name}`);
    return p;
  };
  const pidOf = (name: string): number => restarted.get(name)?.pid ?? processOf(name).pid;
  /** Paused workers, continued before the launcher stops them (a stopped process leaves SIGTERM pending). */
  const paused = new Set<string>();
  return {
    state,
    dir,
    processOf,
    urlOf: (name) => `http://127.0.0.1:${processOf(name).publicPort}`,
    async restartRedis(downMs) {
      process.kill(redis?.pid ?? state.redis.pid, 'SIGKILL');
      await new Promise((r) => setTimeout(r, downMs));
      redis = spawn('redis-server', state.redis.args, { stdio: 'ignore' });
      for (let i = 0; i < 100 && !(await portFree(state.redis.port).then((free) => !free)); i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    kill(name) {
      process.kill(pidOf(name), 'SIGKILL');
      paused.delete(name);
    },
    pause(name) {
      process.kill(pidOf(name), 'SIGSTOP');
      paused.add(name);
    },
    resume(name) {
      process.kill(pidOf(name), 'SIGCONT');
      paused.delete(name);
    },
    async restart(name) {
      const p = processOf(name);
      // The launcher's listeners for this process (scripts/cluster.mjs startWorker).
      const listeners: unknown[] = [];
      if (p.publicPort) listeners.push({ port: p.publicPort, bind_addresses: ['127.0.0.1'], x_forwarded: true, resources: [{ names: ['client'] }] });
      listeners.push({ port: p.metricsPort, bind_addresses: ['127.0.0.1'], type: 'metrics', resources: [{ names: ['metrics'] }] });
      const log = openSync(path.join(dir, 'logs', `${name}.log`), 'a');
      const child = spawn(process.execPath, [path.join(REPO_ROOT, `apps/${p.role}/dist/main.js`), '--config', state.configPath, '--name', name], {
        cwd: dir,
        env: { ...process.env, ...GENEROUS_RATE_LIMIT_ENV, ...TEST_PASSWORD_HASHING_ENV, LATTICE_LISTENERS: JSON.stringify(listeners) },
        stdio: ['ignore', log, log],
      });
      restarted.set(name, child);
      const deadline = Date.now() + 120_000;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} on restart`);
        const ready = await fetch(`http://127.0.0.1:${p.metricsPort}/ready`, { signal: AbortSignal.timeout(2000) })
          .then((r) => r.ok)
          .catch(() => false);
        // /ready answers from the metrics listener, bound before the internal one other workers call.
        if (ready && (await listening(p.internalPort))) return;
        if (Date.now() > deadline) throw new Error(`${name} not ready after restart`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async stop() {
      for (const name of paused) process.kill(pidOf(name), 'SIGCONT');
      for (const child of restarted.values()) {
        if (child.exitCode === null && child.signalCode === null) {
          const gone = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          await gone;
        }
      }
      launcher.kill('SIGTERM');
      await exited;
      if (redis && redis.exitCode === null) redis.kill('SIGKILL');
      // LATTICE_KEEP_CLUSTER=1 keeps the database and the logs (in `dir`) for a look after a failure.
      if (process.env.LATTICE_KEEP_CLUSTER) return;
      await db.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
