/**
 * Appservice transactions retried through BullMQ (real Redis, real
 * PostgreSQL, a real HTTP appservice): a failed transaction's retry is a
 * delayed job in Redis and the same transaction arrives once; a sender
 * restarted while a retry waits delivers it; a retry Redis lost is picked up
 * by the sender's sweep. Each test server has its own BullMQ prefix.
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { BullMqRetrySchedule } from '@lattice/core';
import { AppserviceSender, appservicesOf } from '@lattice/appservice';
import type { Credentials } from '../../client-api/test/support/test-server.js';
import { createRoom, sendEvent } from '../../client-api/test/support/rooms.js';
import { startServerWithAppservice, type AppserviceTestServer } from './support/appservice-server.js';
import type { ReceivedTxn, TestAppservice } from './support/test-appservice.js';
import { eventually, eventuallyAsync } from '../../../tests/support/wait.js';

const REDIS = { host: '127.0.0.1', port: 6379 };
const logger = pino({ level: 'silent' });
const bodies = (txns: ReceivedTxn[]) =>
  txns.flatMap((t) => t.body.events).flatMap((e) => (e.type === 'm.room.message' ? [(e.content as { body: string }).body] : []));

describe('appservice transactions with BullMQ retries (postgres, redis)', () => {
  let hs: AppserviceTestServer;
  let bridge: TestAppservice;
  let alice: Credentials;
  let roomId: string;
  const prefix = `lattice-test:as-retry:${randomUUID()}`;
  const scheduleOn = () => new BullMqRetrySchedule({ connection: REDIS, prefix, queueName: 'appservice-retry-test', logger });
  /** The running sender's schedule (each sender gets its own, as each process would). */
  let schedule: BullMqRetrySchedule;

  beforeAll(async () => {
    ({ hs, appservice: bridge } = await startServerWithAppservice(
      'postgres',
      { id: 'bridge', asToken: 'as_token_bullmq', hsToken: 'hs_token_bullmq', sender: '_bridge_bot', rooms: [{ regex: '!.*', exclusive: false }] },
      [],
      {
        sender: { initialBackoffMs: 1_000, maxBackoffMs: 4_000, sweepIntervalMs: 0 },
        schedule: () => (schedule = scheduleOn()),
      },
    ));
    alice = await hs.createUser('alice');
    roomId = await createRoom(hs, alice);
    // The room's creation goes out first, so each test's transaction holds only its own message.
    await sendEvent(hs, alice, roomId, 'm.room.message', { msgtype: 'm.text', body: 'ready' });
    await bridge.waitFor((t) => bodies(t).includes('ready'), 'the room creation');
    await hs.sender.idle();
  });

  afterAll(async () => {
    await hs?.close();
    await bridge?.close();
    const cleanup = scheduleOn();
    await cleanup.obliterate();
    await cleanup.close();
  });

  const say = (body: string) => sendEvent(hs, alice, roomId, 'm.room.message', { msgtype: 'm.text', body });
  /** Waits for a delayed retry job of the bridge in Redis and returns it. */
  function delayedJob(after = 0): Promise<{ key: string; at: number }> {
    return eventuallyAsync('the delayed retry job in Redis', async () => (await schedule.pending()).find((j) => j.key === 'bridge' && j.at > after));
  }

  it('retries a failed transaction through delayed BullMQ jobs, with the same txn id, and it arrives once', async () => {
    const before = bridge.attempts.length;
    bridge.failNext(2);
    await say('via redis');
    const first = await delayedJob();
    await eventually('the second attempt', () => bridge.attempts.length >= before + 2);
    const second = await delayedJob(first.at);
    // Exponential: the second wait is twice the first (1 s, 2 s), as BullMQ holds them.
    expect(second.at - first.at).toBeGreaterThanOrEqual(2_000);
    await bridge.waitFor((t) => bodies(t).includes('via redis'), 'the retried event');
    await hs.sender.idle();
    const attempts = bridge.attempts.slice(before);
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts).size).toBe(1);
    expect(bodies(bridge.transactions).filter((b) => b === 'via redis')).toHaveLength(1);
  });

  it('a transaction whose retry was scheduled when the sender restarted is delivered once by the new sender', async () => {
    const before = bridge.attempts.length;
    bridge.failNext(1);
    await say('across a restart');
    await delayedJob();
    // The new sender sends the stored transaction at start; the old process's job, when due, finds nothing to retry.
    await hs.restartSender();
    await bridge.waitFor((t) => bodies(t).includes('across a restart'), 'the event after the restart');
    const attempts = bridge.attempts.slice(before);
    expect(new Set(attempts).size).toBe(1);
    expect(bodies(bridge.transactions).filter((b) => b === 'across a restart')).toHaveLength(1);
  });

  it('a retry Redis lost (queue obliterated) is sent by the sweep once due', async () => {
    await hs.sender.stop();
    const swept = { initialBackoffMs: 1_000, maxBackoffMs: 4_000, sweepIntervalMs: 50 };
    hs.sender = new AppserviceSender(hs.ctx, appservicesOf(hs.ctx.config), { ...swept, schedule: (schedule = scheduleOn()) });
    await hs.sender.start();
    const before = bridge.attempts.length;
    bridge.failNext(1);
    await say('after a flush');
    await delayedJob();
    await schedule.obliterate();
    expect(await schedule.pending()).toEqual([]);
    await bridge.waitFor((t) => bodies(t).includes('after a flush'), 'the event after the flush');
    const attempts = bridge.attempts.slice(before);
    expect(attempts).toHaveLength(2);
    expect(new Set(attempts).size).toBe(1);
    expect(bodies(bridge.transactions).filter((b) => b === 'after a flush')).toHaveLength(1);
  });
});
