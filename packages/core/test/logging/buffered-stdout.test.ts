import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bufferedDestination } from '../../src/logging/buffered-stdout.js';

const here = path.dirname(fileURLToPath(import.meta.url));
let dir: string;
let file: string;
let fd: number;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'lattice-log-'));
  file = path.join(dir, 'out.log');
  fd = openSync(file, 'a');
});

afterEach(() => {
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
});

const written = (): string => readFileSync(file, 'utf8');

test('lines wait for the delay, then go out together and in order', async () => {
  const destination = bufferedDestination(fd, 30);
  destination.write('one\n');
  destination.write('two\n');
  expect(written()).toBe('');
  await new Promise((resolve) => setTimeout(resolve, 60));
  expect(written()).toBe('one\ntwo\n');
  destination.write('three\n');
  destination.flush();
  expect(written()).toBe('one\ntwo\nthree\n');
});

test('a large batch is written without waiting for the timer', () => {
  const destination = bufferedDestination(fd, 60_000);
  const line = `${'x'.repeat(1023)}\n`;
  for (let i = 0; i < 64; i++) destination.write(line);
  expect(written()).toBe(line.repeat(64));
});

test('a process that logs and exits at once loses no line', () => {
  // The default logger's destination is flushed on exit, however short the process's life.
  const script = [
    `import { createLogger } from ${JSON.stringify(path.join(here, '../../dist/logging/logger.js'))};`,
    `const logger = createLogger({ role: 'test' });`,
    `for (let i = 0; i < 3; i++) logger.info({ i }, 'line');`,
    `process.exit(0);`,
  ].join('\n');
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(child.status).toBe(0);
  const lines = child.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { i: number });
  expect(lines.map((l) => l.i)).toEqual([0, 1, 2]);
});
