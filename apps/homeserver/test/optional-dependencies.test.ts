/**
 * The single process never talks to Redis, so the Redis client and the job
 * queue (about 35 MiB of resident memory together) must not be loaded when it
 * starts: they load on first use, in the worker split. Checked on the built
 * app (`npm test` builds before running jest), as `npm start` runs it.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../../../tests/support/homeserver-process.js';

test('loading the homeserver loads neither ioredis nor bullmq', () => {
  const app = path.join(REPO_ROOT, 'apps/homeserver/dist/homeserver-app.js');
  const script = `import(${JSON.stringify(app)}).then(() => {
    const cache = Object.keys(require('node:module')._cache);
    console.log(JSON.stringify(['ioredis', 'bullmq'].filter((p) => cache.some((k) => k.includes('/node_modules/' + p + '/')))));
  })`;
  const loaded = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: REPO_ROOT, encoding: 'utf8' }).trim()) as string[];
  expect(loaded).toEqual([]);
});
