/**
 * A Redis server of the test's own, on a free port, for tests that take Redis
 * away (the machine's shared Redis must stay up for every other suite).
 */
import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';
import { eventuallyAsync } from './wait.js';

export interface PrivateRedis {
  port: number;
  /** Kills the server at once (SIGKILL) and waits for it to be gone; again, nothing more. */
  kill(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await eventuallyAsync(`redis-server on port ${port}`, async () => {
    const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    try {
      await probe.connect();
      return (await probe.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      probe.disconnect();
    }
  });
  return {
    port,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
