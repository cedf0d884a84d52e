/**
 * A Redis server of the test's own, on a free port, for tests that take Redis
 * away (the machine's shared Redis must stay up for every other suite).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';
import { eventuallyAsync } from './wait.js';

export interface PrivateRedis {
  port: number;
  /** Kills the server at once (SIGKILL) and waits for it to be gone; again, nothing more. */
  kill(): Promise<void>;
  /**
   * Kills the server and blocks this process until the server is gone, its
   * sockets closed: clients here see that only once the event loop runs again,
   * and read 'ready' until then, as on a loaded machine where a server's
   * death reaches one connection before another.
   */
  killBeforeClientsNotice(): void;
}

/** A process that has exited, its sockets closed, and that its parent has not reaped yet (Linux /proc). */
const isZombie = (pid: number): boolean => /^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
const sleepBlocking = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

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
    killBeforeClientsNotice() {
      child.kill('SIGKILL');
      while (!isZombie(child.pid!)) sleepBlocking(5);
    },
  };
}
