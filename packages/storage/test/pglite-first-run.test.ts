/**
 * A new embedded database's files are made by a child process, so the
 * server's own process never holds initdb's WebAssembly memory (about
 * 750 MiB that is never given back). Runs the built package, as `npm start`
 * does: a fresh process opens a new data directory, uses it, and reports its
 * resident memory; a second process finds the data.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const STORAGE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/index.js');
/** Reopening existing files takes ~190 MiB here; initdb in process took ~780 MiB. */
const MAX_FIRST_RUN_RSS_MIB = 450;

function inFreshProcess(dataDir: string, sql: string): { rssMiB: number; rows: unknown[] } {
  const script = `
    const { openPglite } = await import(${JSON.stringify(STORAGE)});
    const db = await openPglite({ dataDir: ${JSON.stringify(dataDir)} });
    const { rows } = await db.query(${JSON.stringify(sql)});
    const rssMiB = Math.round(process.memoryUsage().rss / 2 ** 20);
    await db.close();
    console.log(JSON.stringify({ rssMiB, rows }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as { rssMiB: number; rows: unknown[] };
}

test('a new data directory is created outside the process that opens it, and keeps its data', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lattice-pglite-first-run-'));
  const dataDir = path.join(dir, 'db');
  try {
    const first = inFreshProcess(dataDir, 'CREATE TABLE kept (x int)');
    expect(existsSync(path.join(dataDir, 'PG_VERSION'))).toBe(true);
    expect(first.rssMiB).toBeLessThan(MAX_FIRST_RUN_RSS_MIB);
    inFreshProcess(dataDir, 'INSERT INTO kept VALUES (42)');
    expect(inFreshProcess(dataDir, 'SELECT x FROM kept').rows).toEqual([{ x: 42 }]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
