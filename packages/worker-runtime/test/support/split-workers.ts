/**
 * Worker-split suites' processes: each worker started as its role's app does
 * (runWorker) from a config file written for it (the shared keys, a metrics
 * listener and, for public workers, an HTTP listener), stopped in reverse
 * order, over a database, a directory (the shared signing key) and a server
 * name (its Redis namespace) of the suite's own; and the suite's own SQL.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { formatSigningKeyFile, generateSigningKey, type WorkerRole } from '@lattice/core';
import { openPostgres } from '@lattice/storage';
import { runWorker, type RunningWorker } from '../../src/run-worker.js';
import { freePort } from '../../../../tests/support/free-port.js';
import { createEmptyPostgresDatabase } from '../../../../tests/support/postgres.js';

export interface SplitSuite {
  dir: string;
  databaseUrl: string;
  /** Random: the suite's own Redis namespace (lattice:<server_name>), apart from other suites sharing the Redis. */
  serverName: string;
  running: Map<string, RunningWorker>;
  dropDatabase(): Promise<void>;
}

export async function createSplitSuite(name: string): Promise<SplitSuite> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `lattice-${name}-split-`));
  const database = await createEmptyPostgresDatabase();
  await writeFile(path.join(dir, 'signing.key'), formatSigningKeyFile([generateSigningKey()]), { mode: 0o600 });
  const serverName = `${name}-${randomBytes(4).toString('hex')}.test`;
  return { dir, databaseUrl: database.url, serverName, running: new Map(), dropDatabase: () => database.drop() };
}

/** Stops the workers started (in reverse order), then drops the database and the directory. */
export async function closeSplitSuite(suite: SplitSuite | undefined, workers: readonly SplitWorker[]): Promise<void> {
  if (!suite) return;
  for (const w of [...workers].reverse()) await suite.running.get(w.name)?.stop();
  await suite.dropDatabase();
  await rm(suite.dir, { recursive: true, force: true });
}

export interface SplitWorker {
  name: string;
  role: WorkerRole;
  publicPort?: number;
  internalPort?: number;
}

/**
 * Starts the workers in order (the ones others call first), each with `shared` and its listeners
 * (`resources`: of the public listener), into `running` as they start: a failed start leaves them for stopWorkers.
 */
export async function startWorkers(suite: SplitSuite, workers: readonly SplitWorker[], shared: Record<string, unknown>, resources: readonly string[]): Promise<void> {
  for (const w of workers) {
    const listeners: unknown[] = [{ port: await freePort(), bind_addresses: ['127.0.0.1'], type: 'metrics', resources: [{ names: ['metrics'] }] }];
    if (w.publicPort) listeners.push({ port: w.publicPort, bind_addresses: ['127.0.0.1'], type: 'http', resources: [{ names: resources }] });
    const configPath = path.join(suite.dir, `${w.name}.yaml`);
    // JSON is YAML.
    await writeFile(configPath, JSON.stringify({ ...shared, listeners }));
    suite.running.set(w.name, await runWorker(w.role, ['--config', configPath, '--name', w.name]));
  }
}

/** The test's own statements: like the workers, it waits out a PostgreSQL short of connections. */
export async function sqlOn<R>(url: string, text: string, params: unknown[] = []): Promise<R[]> {
  const db = openPostgres({ connectionString: url, max: 1 });
  try {
    return (await db.query<R>(text, params)).rows;
  } finally {
    await db.close();
  }
}

/** The keys every worker of a suite shares. */
export function sharedWorkerConfig(suite: SplitSuite, opts: { poolSize: number; secret: string }): Record<string, unknown> {
  return {
    server_name: suite.serverName,
    report_stats: false,
    // Errors reach the test's output: a 500 from a worker is explained there.
    log_level: process.env['LATTICE_TEST_LOG_LEVEL'] ?? 'error',
    database: { name: 'postgres', args: { connection_string: suite.databaseUrl, cp_max: opts.poolSize } },
    redis: { enabled: true, host: '127.0.0.1', port: 6379 },
    signing_key_path: path.join(suite.dir, 'signing.key'),
    media_store_path: path.join(suite.dir, 'media'),
    worker_replication_secret: opts.secret,
    rc_federation: { sleep_limit: 10000, reject_limit: 10000, concurrent: 100 },
  };
}
