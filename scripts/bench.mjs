#!/usr/bin/env node
// `npm run bench`: runs every compiled benchmark (bench/dist/*.bench.js) in its
// own process, one after another, so they do not disturb each other's figures.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureService } from './services.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'bench', 'dist');
const only = process.argv.slice(2);
const benches = readdirSync(dist)
  .filter((f) => f.endsWith('.bench.js'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

await ensureService('postgres');
await ensureService('redis');
let failed = 0;
for (const file of benches) {
  console.log(`\n## ${file.replace(/\.bench\.js$/, '')}`);
  const r = spawnSync(process.execPath, [path.join(dist, file)], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
