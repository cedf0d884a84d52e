import { spawn, execFile, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { copyMigratedPgliteDirectory } from '@lattice/storage';
import { GENEROUS_RATE_LIMIT_ENV } from './generous-rate-limits.js';
import { TEST_PASSWORD_HASHING_ENV } from './test-password-hashing.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = path.join(REPO_ROOT, 'apps/homeserver/dist/main.js');

/** A client listener on an ephemeral port, so tests never collide on 8008. */
export const EPHEMERAL_LISTENERS =
  '[{port: 0, bind_addresses: ["127.0.0.1"], type: http, resources: [{names: [client, federation]}]}]';

export interface RunningHomeserver {
  url: string;
  process: ChildProcess;
  /** Everything the process printed, for failure messages. */
  output: string[];
  stop(): Promise<void>;
}

/**
 * Starts the built homeserver (apps/homeserver/dist, built by `npm test`) as a
 * real process, exactly as `npm start` runs it, and resolves with the URL of its
 * first listener once it logs that it is listening.
 */
export async function startHomeserver(opts: { cwd: string; args?: string[]; env?: Record<string, string> }): Promise<RunningHomeserver> {
  const child = spawn(process.execPath, [MAIN, ...(opts.args ?? [])], {
    cwd: opts.cwd,
    env: { ...process.env, ...GENEROUS_RATE_LIMIT_ENV, ...TEST_PASSWORD_HASHING_ENV, LATTICE_LISTENERS: EPHEMERAL_LISTENERS, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  createInterface({ input: child.stderr! }).on('line', (line) => output.push(line));

  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      output.push(line);
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'listening' && entry.url) resolve(entry.url);
      } catch {
        // not a log line
      }
    });
    void exited.then((code) => reject(new Error(`homeserver exited with ${code} before listening:\n${output.join('\n')}`)));
  });

  return {
    url,
    process: child,
    output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * A first run in `cwd` (no --config) on an embedded database that is already migrated, as a first run leaves it:
 * for tests that are not about the first run, whose initdb and migrations cost about 7 s of CPU per server.
 */
export async function startMigratedHomeserver(opts: { cwd: string; env?: Record<string, string> }): Promise<RunningHomeserver> {
  await copyMigratedPgliteDirectory(path.join(opts.cwd, 'data', 'db'));
  return startHomeserver(opts);
}

/** Runs one of the built CLI tools (apps/homeserver/dist/cli/NAME.js). */
export async function runCli(name: string, args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  const file = path.join(REPO_ROOT, 'apps/homeserver/dist/cli', `${name}.js`);
  return promisify(execFile)(process.execPath, [file, ...args], { cwd });
}
