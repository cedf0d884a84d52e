/**
 * Ephemeral EDUs in the durable outbox: while a destination is unreachable,
 * a keyed EDU replaces the queued one with the same key (the latest typing
 * state per room+user, receipt per room+user+thread, presence per user), and
 * an expired one (typing) is dropped instead of sent once it is back.
 */
import { generateSigningKey } from '@lattice/core';
import { DB_KINDS, startTestServer, type TestServer } from '../../../client-api/test/support/test-server.js';
import type { FederationRequest } from '../../src/api.js';
import { FederationSender } from '../../src/sender/federation-sender.js';
import { FakeClient, FakeKeyRing } from '../rooms/fake-federation.js';

const DOWN = 'down.test';

describe.each(DB_KINDS)('ephemeral EDUs in the outbox (%s)', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind);
  });
  afterAll(() => server.close());

  test('only the latest EDU per key waits for a server that is down; expired typing is never sent', async () => {
    let now = 1_000_000;
    const client = new FakeClient();
    const deps = { ctx: server.ctx, serverName: 'test.local', signingKey: generateSigningKey('s'), keyRing: new FakeKeyRing(), client };
    const sender = new FederationSender(deps, { clock: () => now, initialBackoffMs: 3_600_000 });
    const typing = (typing: boolean) => ({
      destination: DOWN,
      eduType: 'm.typing',
      content: { room_id: '!r:test.local', user_id: '@alice:test.local', typing },
      key: '!r:test.local @alice:test.local',
      expiresTs: now + 60_000,
    });
    const receipt = (thread: string, eventId: string) => ({
      destination: DOWN,
      eduType: 'm.receipt',
      content: { '!r:test.local': { 'm.read': { '@alice:test.local': { event_ids: [eventId], data: { ts: now, thread_id: thread } } } } },
      key: `!r:test.local @alice:test.local ${thread}`,
    });
    for (let i = 0; i < 5; i++) {
      await sender.queueEdus([typing(i % 2 === 0), receipt('main', `$main${i}`)]);
      await sender.idle();
    }
    await sender.queueEdus([receipt('$root', '$inthread')]);
    // An unkeyed EDU (to-device, device lists…) is never replaced.
    await sender.queueEdu(DOWN, 'm.direct_to_device', { messages: {} });
    await sender.queueEdu(DOWN, 'm.direct_to_device', { messages: {} });
    await sender.idle();
    expect(client.requests.length).toBeGreaterThan(0); // it was tried, and failed

    const { rows } = await server.db.query<{ payload_json: string }>(
      'SELECT payload_json FROM federation_outbox WHERE destination = $1 ORDER BY id',
      [DOWN],
    );
    const queued = rows.map((r) => JSON.parse(r.payload_json) as { edu_type: string; content: Record<string, unknown> });
    expect(queued.map((e) => e.edu_type).sort()).toEqual(['m.direct_to_device', 'm.direct_to_device', 'm.receipt', 'm.receipt', 'm.typing']);
    expect(queued.find((e) => e.edu_type === 'm.typing')!.content['typing']).toBe(true); // the 5th (i = 4)
    expect(JSON.stringify(queued)).toContain('$main4');
    expect(JSON.stringify(queued)).not.toContain('$main3');

    // Back after the typing EDU expired: the rest is delivered, the stale typing is not.
    now += 120_000;
    const delivered: FederationRequest[] = [];
    client.handler = async (req) => {
      delivered.push(req);
      return { pdus: {} };
    };
    await sender.wake(DOWN);
    await sender.idle();
    const sent = delivered.flatMap((req) => (req.body as { edus: Array<{ edu_type: string }> }).edus.map((e) => e.edu_type));
    expect(sent.sort()).toEqual(['m.direct_to_device', 'm.direct_to_device', 'm.receipt', 'm.receipt']);
    const left = await server.db.query('SELECT 1 FROM federation_outbox WHERE destination = $1', [DOWN]);
    expect(left.rows).toEqual([]);
  });
});
