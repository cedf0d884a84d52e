/** The BullMQ push queue against the local Redis: retries with backoff, de-duplication, and end to end to a real gateway. */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { Redis } from 'ioredis';
import { parseConfig } from '@lattice/core';
import { BullMqPushQueue, pushQueueFor, type PushJob } from '@lattice/push';
import { createRoom, joinRoom, sendMessage } from '../../client-api/test/support/rooms.js';
import { v3 } from '../../client-api/test/support/test-server.js';
import { graceWarningsClosingWhileReconnecting, graceWarningsClosingWithJobInFlight, type ClosableQueue } from '../../../tests/support/bullmq-shutdown.js';
import { startPushTestServer } from './support/push-server.js';
import { startTestGateway } from './support/push-gateway.js';

const REDIS = { host: '127.0.0.1', port: 6379 };
const logger = pino({ level: 'silent' });
const job = (eventId: string): PushJob => ({ userId: '@u:test.local', appId: 'app', pushkey: 'key', roomId: '!r:test.local', eventId, tweaks: {} });

function queueFor(test: string, retry = { attempts: 3, backoffMs: 30 }): BullMqPushQueue {
  return new BullMqPushQueue({ connection: REDIS, prefix: `lattice-test-${test}-${randomUUID()}`, retry, logger });
}

async function until(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('BullMQ push queue', () => {
  test('a failing job is retried with backoff until it succeeds', async () => {
    const queue = queueFor('retry');
    const calls: Array<{ eventId: string; at: number }> = [];
    queue.process(async (j) => {
      calls.push({ eventId: j.eventId, at: Date.now() });
      if (calls.length < 3) throw new Error('gateway down');
    });
    await queue.add([job('$e1')]);
    await until(() => calls.length === 3);
    expect(calls.map((c) => c.eventId)).toEqual(['$e1', '$e1', '$e1']);
    // Exponential: the second wait is at least the first's double delay (30 ms, then 60 ms).
    expect(calls[2]!.at - calls[1]!.at).toBeGreaterThanOrEqual(60);
    await queue.obliterate();
    await queue.close();
  });

  test('gives up after the attempts; the same (pusher, event) is queued once', async () => {
    const queue = queueFor('give-up', { attempts: 2, backoffMs: 10 });
    const seen: string[] = [];
    await queue.add([job('$dup'), job('$dup'), job('$fails')]);
    queue.process(async (j) => {
      seen.push(j.eventId);
      if (j.eventId === '$fails') throw new Error('always');
    });
    await until(() => seen.filter((e) => e === '$fails').length === 2 && seen.includes('$dup'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(seen.filter((e) => e === '$dup')).toHaveLength(1);
    expect(seen.filter((e) => e === '$fails')).toHaveLength(2);
    await queue.obliterate();
    await queue.close();
  });

  test('end to end: a message reaches the gateway through BullMQ after one failure', async () => {
    const gateway = await startTestGateway();
    const queue = queueFor('e2e');
    const hs = await startPushTestServer('postgres', { queue });
    try {
      const alice = await hs.createUser('alice');
      const bob = await hs.createUser('bob');
      const room = await createRoom(hs, alice, { preset: 'public_chat' });
      await joinRoom(hs, bob, room);
      const set = await hs.request('POST', v3('/pushers/set'), {
        token: bob.access_token,
        body: { kind: 'http', app_id: 'app', pushkey: 'bob', app_display_name: 'A', device_display_name: 'D', lang: 'en', data: { url: gateway.url } },
      });
      expect(set.status).toBe(200);
      gateway.failNext(1);
      const eventId = await sendMessage(hs, alice, room, 'via redis');
      const [notification] = await gateway.waitFor(1);
      expect(notification).toMatchObject({ event_id: eventId, room_id: room, counts: { unread: 1 } });
      expect(gateway.attempts).toBe(2);
      await queue.obliterate();
    } finally {
      await hs.close();
      await gateway.close();
    }
  });
});

test("a homeserver's push queue lives under its own prefix in Redis, apart from other servers sharing it", async () => {
  const serverName = `push-${randomUUID()}.test`;
  const config = parseConfig(`server_name: ${serverName}\nredis:\n  enabled: true\n  host: 127.0.0.1\n  port: 6379\n`, { env: {} });
  const queue = pushQueueFor(config, logger) as BullMqPushQueue;
  const redis = new Redis(REDIS);
  try {
    await queue.add([job('$prefixed')]);
    expect(await redis.keys(`lattice:${serverName}:bull:push:*`)).not.toHaveLength(0);
  } finally {
    await queue.obliterate();
    await queue.close();
    redis.disconnect();
  }
});

// Closed by force, not by giving up on it (a grace warning): nothing is left reconnecting.
const openPushQueue = (port: number, log: typeof logger): ClosableQueue => {
  const queue = new BullMqPushQueue({ connection: { host: '127.0.0.1', port }, logger: log });
  return {
    process: (handler) => queue.process(handler),
    enqueue: () => queue.add([job('$job')]),
    close: () => queue.close(),
  };
};

test('close() returns when Redis is gone instead of hanging the shutdown', async () => {
  expect(await graceWarningsClosingWhileReconnecting(openPushQueue)).toEqual([]);
});

test('close() does not wait for a push in flight when Redis died a moment before, its connections still reading ready', async () => {
  expect(await graceWarningsClosingWithJobInFlight(openPushQueue)).toEqual([]);
});
