/**
 * A pusher's URL is the user's choice: with the default ip_range_blacklist a
 * gateway on a private or loopback address is never contacted, and the push is
 * dropped as final (no retries), while an allowed address gets it.
 */
import pino from 'pino';
import { InProcessPushQueue } from '@lattice/push';
import { createRoom, joinRoom, sendMessage } from '../../client-api/test/support/rooms.js';
import { v3 } from '../../client-api/test/support/test-server.js';
import { PushGatewaySender } from '../src/pushers/gateway-sender.js';
import { startPushTestServer, type PushTestServer } from './support/push-server.js';
import { startTestGateway, type TestGateway } from './support/push-gateway.js';

describe('the push gateway behind the outbound address policy', () => {
  let hs: PushTestServer;
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
    // Default policy: loopback is blacklisted. Nothing is sent by the module itself (the test drives the sender).
    hs = await startPushTestServer('pglite', { sendPushes: false, queue: new InProcessPushQueue(pino({ level: 'silent' })) }, '');
  });
  afterAll(async () => {
    await hs.close();
    await gateway.close();
  });

  test('a loopback gateway is refused without an attempt; whitelisting loopback lets the same push through', async () => {
    const alice = await hs.createUser('alice');
    const bob = await hs.createUser('bob');
    const set = await hs.request('POST', v3('/pushers/set'), {
      token: bob.access_token,
      body: { kind: 'http', app_id: 'app', pushkey: 'k', app_display_name: 'A', device_display_name: 'D', lang: 'en', data: { url: gateway.url } },
    });
    expect(set.status).toBe(200);
    const roomId = await createRoom(hs, alice, { preset: 'public_chat' });
    await joinRoom(hs, bob, roomId);
    const eventId = await sendMessage(hs, alice, roomId, 'hi');
    const job = { userId: bob.user_id, appId: 'app', pushkey: 'k', roomId, eventId, tweaks: {} };

    const refused = new PushGatewaySender({ db: hs.db, store: hs.ctx.rooms.store, logger: hs.ctx.logger, config: hs.ctx.config, hub: hs.ctx.rooms.hub });
    await expect(refused.send(job)).resolves.toBeUndefined();
    expect(gateway.received).toEqual([]);

    const allowed = new PushGatewaySender({
      db: hs.db,
      store: hs.ctx.rooms.store,
      logger: hs.ctx.logger,
      config: { ...hs.ctx.config, ip_range_whitelist: ['127.0.0.1/32'] },
      hub: hs.ctx.rooms.hub,
    });
    await allowed.send(job);
    expect(gateway.received.map((n) => n.event_id)).toEqual([eventId]);
  });
});
