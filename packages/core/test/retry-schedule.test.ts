/** The two RetrySchedules: in-process timers, and delayed BullMQ jobs in the local Redis. */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { BullMqRetrySchedule, TimerRetrySchedule } from '@lattice/core';
import { graceWarningsClosingWhileReconnecting, graceWarningsClosingWithJobInFlight, type ClosableQueue } from '../../../tests/support/bullmq-shutdown.js';
import { eventually } from '../../../tests/support/wait.js';

const logger = pino({ level: 'silent' });

describe('TimerRetrySchedule', () => {
  test('keeps the earliest time per key and calls keys that fell due before the handler was set', async () => {
    const schedule = new TimerRetrySchedule(logger);
    const calls: string[] = [];
    await schedule.schedule('a', Date.now() + 60_000);
    await schedule.schedule('a', Date.now());
    await schedule.schedule('a', Date.now() + 30_000);
    await schedule.schedule('b', Date.now());
    await new Promise((resolve) => setTimeout(resolve, 20));
    schedule.onDue((key) => void calls.push(key));
    await eventually('both keys', () => calls.length === 2);
    expect(calls.sort()).toEqual(['a', 'b']);
    await schedule.close();
  });
});

describe('BullMqRetrySchedule', () => {
  test('the same key and time is one job; a key with a port is fine; a handler that throws is tried again', async () => {
    const schedule = new BullMqRetrySchedule({ connection: { host: '127.0.0.1', port: 6379 }, prefix: `lattice-test:schedule:${randomUUID()}`, queueName: 'retry-test', backoffMs: 20, logger });
    // Due soon, but a loaded machine may pass that time before pending() reads: due jobs with no handler yet still count.
    const at = Date.now() + 300;
    await schedule.schedule('remote.test:8448', at);
    await schedule.schedule('remote.test:8448', at);
    await schedule.schedule('other.test', at + 1);
    expect((await schedule.pending()).sort((x, y) => x.at - y.at)).toEqual([
      { key: 'remote.test:8448', at },
      { key: 'other.test', at: at + 1 },
    ]);
    const calls: string[] = [];
    schedule.onDue((key) => {
      calls.push(key);
      if (key === 'other.test' && calls.filter((k) => k === key).length === 1) throw new Error('database down');
    });
    await eventually('the calls', () => calls.filter((k) => k === 'other.test').length === 2 && calls.includes('remote.test:8448'));
    expect(calls.filter((k) => k === 'remote.test:8448')).toHaveLength(1);
    await schedule.obliterate();
    await schedule.close();
  });

  // Closed by force, not by giving up on it (a grace warning): nothing is left reconnecting.
  const openSchedule = (port: number, log: typeof logger): ClosableQueue => {
    const schedule = new BullMqRetrySchedule({ connection: { host: '127.0.0.1', port }, queueName: 'retry-test', logger: log });
    return {
      process: (handler) => schedule.onDue(handler),
      enqueue: () => schedule.schedule('remote.test', Date.now()),
      close: () => schedule.close(),
    };
  };

  test('close() returns when Redis is gone instead of hanging the shutdown', async () => {
    expect(await graceWarningsClosingWhileReconnecting(openSchedule)).toEqual([]);
  });

  test('close() does not wait for a job in flight when Redis died a moment before, its connections still reading ready', async () => {
    expect(await graceWarningsClosingWithJobInFlight(openSchedule)).toEqual([]);
  });
});
