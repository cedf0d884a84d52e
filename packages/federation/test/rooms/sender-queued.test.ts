/**
 * Items another process queued in the outbox (the worker split: a client
 * reader's to-device message to a remote user through OutboxEduQueue, an
 * event federation-inbound passes on through a queue-only FederationSender)
 * go out as soon as that process tells the sending FederationSender
 * (sendQueued, over the internal API in the split), not at its next outbox
 * sweep. The sweep is off here, so only that call can explain a delivery;
 * a destination that is backing off stays backed off.
 */
import { generateSigningKey } from '@lattice/core';
import { DB_KINDS, SERVER_NAME, startTestServer, type TestServer } from '../../../client-api/test/support/test-server.js';
import type { FederationRequest } from '../../src/api.js';
import { OutboxEduQueue } from '../../src/e2ee/outbox-edu-queue.js';
import { FederationSender } from '../../src/sender/federation-sender.js';
import { FakeClient, FakeKeyRing, REMOTE, remoteKey } from './fake-federation.js';
import { outboxSize } from './sender-room.js';

const HOUR = 3_600_000;

describe.each(DB_KINDS)('outbox items queued by another process (%s)', (kind) => {
  let server: TestServer;
  let sender: FederationSender;
  const client = new FakeClient();
  const delivered: FederationRequest[] = [];
  const told: string[] = [];

  beforeAll(async () => {
    server = await startTestServer(kind);
    const keyRing = new FakeKeyRing();
    keyRing.add(REMOTE, remoteKey);
    const deps = { ctx: server.ctx, serverName: SERVER_NAME, signingKey: generateSigningKey('fed'), keyRing, client };
    sender = new FederationSender(deps, { sweepIntervalMs: 0, initialBackoffMs: HOUR });
    await sender.start();
    client.handler = (req) => {
      delivered.push(req);
      return {};
    };
  });
  afterAll(async () => {
    await sender.stop();
    await server.close();
  });

  /** What the internal call does on the sender's side, once the queueing process has written the row. */
  const tellSender = (destination: string) => {
    told.push(destination);
    sender.sendQueued(destination);
  };

  async function drained(): Promise<void> {
    for (let i = 0; i < 200 && (await outboxSize(server)) > 0; i++) {
      await sender.idle();
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  test('an EDU written through OutboxEduQueue is sent when the sender is told', async () => {
    // The call is held here so the outbox can be read first: told only once the row is in it.
    const held: string[] = [];
    const queue = new OutboxEduQueue(server.db, (destination) => void held.push(destination));
    await queue.queueEdu(REMOTE, 'm.direct_to_device', { sender: '@alice:test', type: 'm.test', message_id: 'q1', messages: {} });
    expect(held).toEqual([REMOTE]);
    expect(await outboxSize(server)).toBeGreaterThan(0);
    held.forEach(tellSender);
    expect(told).toEqual([REMOTE]);
    await drained();
    expect(await outboxSize(server)).toBe(0);
    const edus = delivered.flatMap((r) => (r.body as { edus?: Array<{ edu_type: string; content: { message_id?: string } }> }).edus ?? []);
    expect(edus.map((e) => [e.edu_type, e.content.message_id])).toEqual([['m.direct_to_device', 'q1']]);
  });

  test('a queue-only sender tells of what it queued, and sends nothing itself', async () => {
    const queueOnly = new FederationSender(
      { ctx: server.ctx, serverName: SERVER_NAME, signingKey: generateSigningKey('q'), keyRing: new FakeKeyRing(), client: new FakeClient() },
      { queueOnly: true, onQueued: tellSender },
    );
    told.length = 0;
    delivered.length = 0;
    await queueOnly.queueEdu(REMOTE, 'm.test_edu', { n: 2 });
    expect(told).toEqual([REMOTE]);
    await drained();
    const edus = delivered.flatMap((r) => (r.body as { edus?: Array<{ edu_type: string }> }).edus ?? []);
    expect(edus.map((e) => e.edu_type)).toEqual(['m.test_edu']);
  });

  test('a destination that is backing off is not sent to, and its backoff stays', async () => {
    const capture = client.handler;
    client.handler = undefined; // down: the attempt fails and the destination backs off for an hour
    await new OutboxEduQueue(server.db, tellSender).queueEdu(REMOTE, 'm.test_edu', { n: 3 });
    await sender.idle();
    client.handler = capture; // up again, but the sender does not know
    delivered.length = 0;
    await new OutboxEduQueue(server.db, tellSender).queueEdu(REMOTE, 'm.test_edu', { n: 4 });
    await sender.idle();
    expect(delivered).toEqual([]);
    expect(await outboxSize(server)).toBe(2);
    const { rows } = await server.db.query<{ retry_interval_ms: string }>('SELECT retry_interval_ms FROM federation_destinations WHERE destination = $1', [REMOTE]);
    expect(Number(rows[0]?.retry_interval_ms)).toBe(HOUR);
  });
});
