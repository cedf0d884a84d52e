#!/usr/bin/env node
// `npm test`: the whole suite. Type-checks (sources and tests) and builds (the end-to-end tests start
// the built server as a real process), lints, then runs jest against real
// PostgreSQL. Extra arguments go to jest (e.g. `npm test -- packages/core`).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureService } from './services.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
const bin = (pkg, file) => path.join(root, 'node_modules', pkg, file);

if (!existsSync(path.join(root, 'node_modules', 'typescript'))) run('npm', ['install', '--no-audit', '--no-fund']);
await ensureService('postgres');
await ensureService('redis');

console.log('» tsc -b');
run(process.execPath, [bin('typescript', 'bin/tsc'), '-b']);
// jest only transpiles: the tests and their support code are type-checked here.
console.log('» tsc -p tsconfig.test.json');
run(process.execPath, [bin('typescript', 'bin/tsc'), '-p', 'tsconfig.test.json']);
console.log('» eslint');
run(process.execPath, [bin('eslint', 'bin/eslint.js'), '.']);

mkdirSync(path.join(root, '.tmp'), { recursive: true });
const resultsFile = path.join(root, '.tmp', 'jest-results.json');
console.log('» jest');
const jest = spawnSync(
  process.execPath,
  [
    '--experimental-vm-modules',
    '--no-warnings=ExperimentalWarning',
    bin('jest', 'bin/jest.js'),
    '--ci',
    '--maxWorkers=2',
    '--json',
    `--outputFile=${resultsFile}`,
    ...process.argv.slice(2),
  ],
  { cwd: root, stdio: 'inherit' },
);

// A closing line any CI can read, whatever the runner prints.
if (existsSync(resultsFile)) {
  const r = JSON.parse(readFileSync(resultsFile, 'utf8'));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`);
  if (r.numTotalTests === 0) process.exit(1);
}
process.exit(jest.status ?? 1);
