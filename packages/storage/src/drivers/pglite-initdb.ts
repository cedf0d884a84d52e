/**
 * Creates an embedded database's files in a short-lived child process.
 * PGlite's initdb grows the WebAssembly memory to some 750 MiB, and
 * WebAssembly memory is never given back: done in the server's own process,
 * a first start would stay at that size for as long as it runs, while a
 * database opened from existing files needs about 190 MiB.
 * The child is pglite-initdb-child.ts.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Whether the directory already holds a database cluster. */
export function hasDatabaseFiles(dataDir: string): boolean {
  return existsSync(join(dataDir, 'PG_VERSION'));
}

/**
 * Runs initdb for `dataDir` in a child process. False when this module runs
 * from TypeScript sources (tests through ts-jest), where there is no script
 * to start: the caller then creates the files in process.
 */
export async function initDatabaseFilesInChild(dataDir: string): Promise<boolean> {
  if (!fileURLToPath(import.meta.url).endsWith('.js')) return false;
  const script = fileURLToPath(new URL('./pglite-initdb-child.js', import.meta.url));
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [script, dataDir], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`creating the embedded database in ${dataDir} failed (${signal ?? `exit ${code}`})`)),
    );
  });
  return true;
}
