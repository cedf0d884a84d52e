/**
 * The federation sender with its retries as delayed BullMQ jobs (real Redis,
 * real PostgreSQL): a failing destination's retry is a job in Redis at the
 * time PostgreSQL holds; it survives a restart of the sender; and when Redis
 * loses it, the outbox sweep still sends. Each test has its own BullMQ prefix.
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { BullMqRetrySchedule, generateSigningKey } from '@lattice/core';
import { startTestServer, type Credentials, type TestServer } from '../../../client-api/test/support/test-server.js';
import { FederationRequestError, type FederationRequest } from '../../src/api.js';
import { FederationSender, type FederationSenderOptions } from '../../src/sender/federation-sender.js';
import { FakeClient, FakeKeyRing, REMOTE, remoteKey } from './fake-federation.js';
import { outboxSize, roomWithRita, say } from './sender-room.js';
import { eventually, eventuallyAsync } from '../../../../tests/support/wait.js';

const REDIS = { host: '127.0.0.1', port: 6379 };
const logger = pino({ level: 'silent' });

describe('federation sender with BullMQ retries (postgres, redis)', () => {
  let server: TestServer;
  let alice: Credentials;
  const keyRing = new FakeKeyRing();
  const client = new FakeClient();
  /** Successful transactions' message bodies, in arrival order. */
  let received: string[] = [];
  let attempts: number[] = [];
  let failuresLeft = 0;

  beforeAll(async () => {
    keyRing.add(REMOTE, remoteKey);
    server = await startTestServer('postgres');
    alice = await server.createUser('alice');
    client.handler = (req: FederationRequest) => {
      if (!req.path.startsWith('/_matrix/federation/v1/send/')) return {};
      attempts.push(Date.now());
      if (failuresLeft > 0) {
        failuresLeft--;
        throw new FederationRequestError(req.destination, 502, undefined, 'down');
      }
      for (const pdu of (req.body as { pdus: Array<{ content: { body?: string } }> }).pdus) if (pdu.content.body) received.push(pdu.content.body);
      return {};
    };
  });
  afterAll(() => server.close());
  beforeEach(() => {
    received = [];
    attempts = [];
  });

  const deps = () => ({ ctx: server.ctx, serverName: 'test.local', signingKey: generateSigningKey('s'), keyRing, client });
  /** A schedule on the test's own prefix; a second one with the same prefix is the "restarted process". */
  const scheduleOn = (prefix: string) => new BullMqRetrySchedule({ connection: REDIS, prefix, queueName: 'federation-retry-test', logger });
  const newPrefix = (test: string) => `lattice-test:${test}:${randomUUID()}`;
  async function removeQueue(prefix: string): Promise<void> {
    const schedule = scheduleOn(prefix);
    await schedule.obliterate();
    await schedule.close();
  }
  const senderWith = (schedule: BullMqRetrySchedule, options: FederationSenderOptions = {}) =>
    new FederationSender(deps(), { schedule, sweepIntervalMs: 0, maxBackoffMs: 60_000, ...options });

  async function backoff(): Promise<{ retryAfterTs: number; intervalMs: number }> {
    const { rows } = await server.db.query<{ retry_after_ts: string; retry_interval_ms: string }>(
      'SELECT retry_after_ts, retry_interval_ms FROM federation_destinations WHERE destination = $1',
      [REMOTE],
    );
    return { retryAfterTs: Number(rows[0]?.retry_after_ts ?? 0), intervalMs: Number(rows[0]?.retry_interval_ms ?? 0) };
  }

  /** Waits for the delayed job of REMOTE's current backoff (as PostgreSQL has it). */
  function delayedJobFor(schedule: BullMqRetrySchedule): Promise<{ key: string; at: number }> {
    return eventuallyAsync('the delayed retry job in Redis', async () => {
      const { retryAfterTs } = await backoff();
      return (await schedule.pending()).find((j) => j.key === REMOTE && j.at === retryAfterTs);
    });
  }

  /** A sender on its own prefix, started, and a message of alice's that REMOTE fails `failures` times. */
  async function failingSend(body: string, failures: number, options: FederationSenderOptions) {
    const roomId = await roomWithRita(server, alice);
    const prefix = newPrefix('fed');
    const schedule = scheduleOn(prefix);
    const sender = senderWith(schedule, options);
    await sender.start();
    failuresLeft = failures;
    await say(server, alice, roomId, body, randomUUID());
    await sender.catchUp();
    return { prefix, schedule, sender, job: await delayedJobFor(schedule) };
  }

  /** Waits for `body` to arrive and the outbox to drain; it arrived once. */
  async function deliveredOnce(body: string, sender: FederationSender): Promise<void> {
    await eventually(`"${body}" at the destination`, () => received.includes(body));
    await eventuallyAsync('the outbox to drain', async () => (await outboxSize(server)) === 0);
    await sender.idle();
    expect(received.filter((b) => b === body)).toHaveLength(1);
  }

  test('a destination that fails twice gets the event once, each retry a delayed job in Redis at the backoff PostgreSQL holds', async () => {
    // Sweeping is off: only the jobs in Redis wake the sender.
    const { prefix, schedule, sender, job: first } = await failingSend('through redis', 2, { initialBackoffMs: 1_000 });
    expect((await backoff()).intervalMs).toBe(1_000);
    await eventually('the second attempt', () => attempts.length === 2);
    const second = await delayedJobFor(schedule);
    expect((await backoff()).intervalMs).toBe(2_000);
    expect(second.at).toBeGreaterThan(first.at);
    await deliveredOnce('through redis', sender);
    expect(attempts).toHaveLength(3);
    // Exponential: each wait at least the backoff that was stored.
    expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(1_000);
    expect(attempts[2]! - attempts[1]!).toBeGreaterThanOrEqual(2_000);
    expect(await backoff()).toEqual({ retryAfterTs: 0, intervalMs: 0 });
    expect(await schedule.pending()).toEqual([]);
    await sender.stop();
    await removeQueue(prefix);
  });

  test('a retry scheduled before the sender restarts is sent by the new sender, once', async () => {
    const { prefix, sender, job } = await failingSend('across a restart', 1, { initialBackoffMs: 3_000 });
    await sender.stop();
    // The process is gone; its retry is still in Redis, where the restarted sender finds it.
    const schedule = scheduleOn(prefix);
    expect(await schedule.pending()).toContainEqual(job);
    const restarted = senderWith(schedule, { initialBackoffMs: 3_000 });
    await restarted.start();
    await deliveredOnce('across a restart', restarted);
    expect(attempts).toHaveLength(2);
    await restarted.stop();
    await removeQueue(prefix);
  });

  test('when Redis loses the retry (queue obliterated), the outbox sweep sends the event once it is due', async () => {
    const { prefix, schedule, sender } = await failingSend('after a flush', 1, { initialBackoffMs: 1_000, sweepIntervalMs: 50 });
    await schedule.obliterate();
    expect(await schedule.pending()).toEqual([]);
    await deliveredOnce('after a flush', sender);
    expect(attempts).toHaveLength(2);
    await sender.stop();
    await removeQueue(prefix);
  });
});
