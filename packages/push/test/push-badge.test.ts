/**
 * The badge a push carries (counts.unread): unread notifications over every joined room, extended from the
 * sender's last count of a busy room by the events after it (unread-memo.ts), as a sync worker's counts are.
 */
import pino from 'pino';
import { InProcessPushQueue } from '@lattice/push';
import { createRoom, joinRoom, sendMessage } from '../../client-api/test/support/rooms.js';
import { DB_KINDS, v3, type Credentials } from '../../client-api/test/support/test-server.js';
import { startPushTestServer, type PushTestServer } from './support/push-server.js';
import { startTestGateway, type TestGateway } from './support/push-gateway.js';

/** Above the memo's threshold (rooms with fewer unread are counted afresh each time). */
const MESSAGES = 130;

describe.each(DB_KINDS)('push badge on %s', (kind) => {
  let hs: PushTestServer;
  let gateway: TestGateway;
  let alice: Credentials;
  let bob: Credentials;
  beforeAll(async () => {
    gateway = await startTestGateway();
    hs = await startPushTestServer(kind, { queue: new InProcessPushQueue(pino({ level: 'silent' }), { attempts: 4, backoffMs: 20 }) });
    alice = await hs.createUser('alice');
    bob = await hs.createUser('bob');
  });
  afterAll(async () => {
    await hs.close();
    await gateway.close();
  });

  /** Alice's next message to the room, and the badge of bob's push for it. */
  async function badgeAfterMessage(roomId: string, body: string): Promise<number> {
    const eventId = await sendMessage(hs, alice, roomId, body);
    for (;;) {
      const pushed = (await gateway.waitFor(gateway.received.length + 1)).find((n) => n.event_id === eventId);
      if (pushed) return pushed.counts.unread;
    }
  }

  test('follows new events and moved receipts, and a purge recounts the room', async () => {
    const roomId = await createRoom(hs, alice, { preset: 'private_chat', invite: [bob.user_id] });
    await joinRoom(hs, bob, roomId);
    const set = await hs.request('POST', v3('/pushers/set'), {
      token: bob.access_token,
      body: { kind: 'http', app_id: 'app', pushkey: 'bob', app_display_name: 'A', device_display_name: 'D', lang: 'en', data: { url: gateway.url } },
    });
    expect(set.status).toBe(200);

    const ids: string[] = [];
    for (let i = 1; i < MESSAGES; i++) ids.push(await sendMessage(hs, alice, roomId, `m${i}`));
    expect(await badgeAfterMessage(roomId, `m${MESSAGES}`)).toBe(MESSAGES);

    // A read receipt on the 10th message: counted afresh from it.
    const receipt = await hs.request('POST', v3(`/rooms/${encodeURIComponent(roomId)}/receipt/m.read/${encodeURIComponent(ids[9]!)}`), {
      token: bob.access_token,
      body: {},
    });
    expect(receipt.status).toBe(200);
    expect(await badgeAfterMessage(roomId, 'after the receipt')).toBe(MESSAGES - 10 + 1);

    // Outcomes below the last count vanish without a purge's announcement: the badge extends the kept count,
    // which still holds them (a full count would say 10 fewer).
    const { rows } = await hs.db.query<{ stream_ordering: number }>('SELECT stream_ordering FROM events WHERE event_id = ANY($1::text[])', [
      ids.slice(10, 20),
    ]);
    const deleted = await hs.db.query('DELETE FROM event_push_outcomes WHERE room_id = $1 AND stream_ordering = ANY($2::bigint[])', [
      roomId,
      rows.map((r) => r.stream_ordering),
    ]);
    expect(deleted.rowCount).toBe(10);
    expect(await badgeAfterMessage(roomId, 'extended')).toBe(MESSAGES - 10 + 2);

    // The purge's announcement drops the room's kept counts: the next badge is counted afresh.
    hs.ctx.rooms.store.forgetRoomCaches(roomId);
    expect(await badgeAfterMessage(roomId, 'recounted')).toBe(MESSAGES - 20 + 3);
  });

  test('counts every joined room', async () => {
    const first = await createRoom(hs, alice, { preset: 'private_chat', invite: [bob.user_id] });
    const second = await createRoom(hs, alice, { preset: 'private_chat', invite: [bob.user_id] });
    await joinRoom(hs, bob, first);
    await joinRoom(hs, bob, second);
    const before = await badgeAfterMessage(first, 'one');
    expect(await badgeAfterMessage(second, 'two')).toBe(before + 1);
    expect(await badgeAfterMessage(first, 'three')).toBe(before + 2);
  });
});
