#!/usr/bin/env node
// Runs a built entry point of Lattice after making sure it can run: installs the
// dependencies when they are missing, then builds (tsc -b is incremental, so this
// is quick when nothing changed). Used by `npm start`, `npm run register-user`, …
//   node scripts/run.mjs apps/homeserver/dist/main.js [args...]
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run.mjs ENTRY [args...]');
  process.exit(2);
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
if (!existsSync(path.join(root, 'node_modules', 'typescript'))) {
  console.error('Installing dependencies (first run)…');
  execFileSync(npm, ['install', '--no-audit', '--no-fund'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
}
execFileSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b'], {
  cwd: root,
  stdio: ['ignore', 'inherit', 'inherit'],
});

process.argv = [process.argv[0], path.resolve(root, entry), ...args];
await import(pathToFileURL(path.resolve(root, entry)).href);
