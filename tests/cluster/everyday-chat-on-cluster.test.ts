/**
 * The matrix-js-sdk everyday-chat suite (tests/e2e/everyday-chat.test.ts),
 * unchanged, against the worker split behind nginx: its startHomeserver()
 * (and startMigratedHomeserver()) starts the cluster (scripts/cluster.mjs)
 * instead of the single process.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { jest } from '@jest/globals';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function startClusterAsHomeserver() {
  const { startCluster } = await import('./support/cluster-process.js');
  const cluster = await startCluster({ persisters: 2 });
  return { url: cluster.state.url, process: undefined, output: [], stop: () => cluster.stop() };
}

jest.unstable_mockModule('../support/homeserver-process.js', () => ({
  REPO_ROOT,
  EPHEMERAL_LISTENERS: '',
  runCli: () => Promise.reject(new Error('no CLI against the cluster')),
  startHomeserver: startClusterAsHomeserver,
  startMigratedHomeserver: startClusterAsHomeserver,
}));

await import('../e2e/everyday-chat.test.js');
