/**
 * The outbound EDU senders as the worker split's federation sender runs them:
 * nothing hands them changes directly; they follow the typing, receipts and
 * presence streams (written here by the typing manager, the receipts store and
 * a presence writer without an outbound seam) and queue m.typing, m.receipt
 * (public read receipts only) and m.presence for the room's remote server.
 */
import { generateSigningKey, getRoomVersion, type RoomEvent } from '@lattice/core';
import { PresenceService } from '@lattice/presence';
import { putReceipt } from '@lattice/sync';
import { DB_KINDS, startTestServer, v3, type Credentials, type TestServer } from '../../../client-api/test/support/test-server.js';
import type { FederationRequest } from '../../src/api.js';
import { EphemeralEduSenders } from '../../src/edus/ephemeral-edus.js';
import { TypingEduSender } from '../../src/edus/typing.js';
import { remoteEventsOf } from '../../src/rooms/remote-events.js';
import { FederationSender } from '../../src/sender/federation-sender.js';
import { FakeClient, FakeKeyRing, REMOTE, remoteKey, signedEvent } from '../rooms/fake-federation.js';

const v10 = getRoomVersion('10')!;
const remoteUser = `@rex:${REMOTE}`;
type Edu = { edu_type: string; content: Record<string, unknown> };

describe.each(DB_KINDS)('EDU senders following the streams (%s)', (kind) => {
  let server: TestServer;
  let alice: Credentials;
  const keyRing = new FakeKeyRing();

  beforeAll(async () => {
    keyRing.add(REMOTE, remoteKey);
    server = await startTestServer(kind);
    alice = await server.createUser('alice');
  });
  afterAll(() => server.close());

  /** A room of alice's that a user of REMOTE joined (accepted as a remote event). */
  async function sharedRoom(): Promise<string> {
    const created = await server.request<{ room_id: string }>('POST', v3('/createRoom'), { token: alice.access_token, body: { preset: 'public_chat', room_version: '10' } });
    const roomId = created.body.room_id;
    const { store } = server.ctx.rooms;
    const state = async (type: string) => (await store.currentStateEvent(roomId, type, ''))!.event;
    const { rows } = await server.db.query<{ event_id: string }>('SELECT event_id FROM event_forward_extremities WHERE room_id = $1', [roomId]);
    const tip = (await store.getEvent(rows[0]!.event_id))!.event;
    const auth = [await state('m.room.create'), await state('m.room.power_levels'), await state('m.room.join_rules')];
    const join: RoomEvent = signedEvent(v10, { room_id: roomId, type: 'm.room.member', state_key: remoteUser, sender: remoteUser, content: { membership: 'join' } }, [tip], auth);
    expect((await remoteEventsOf(server.ctx).acceptEvents(roomId, [{ event: join }]))[0]?.outcome).toBe('accepted');
    return roomId;
  }

  test('typing, public receipts and presence written by other components reach the remote server', async () => {
    const roomId = await sharedRoom();
    const { ctx } = server;
    const edus: Edu[] = [];
    const client = new FakeClient();
    client.handler = (req: FederationRequest) => {
      edus.push(...(req.body as { edus: Edu[] }).edus);
      return { pdus: {} };
    };
    const sender = new FederationSender({ ctx, serverName: ctx.config.server_name, signingKey: generateSigningKey('s'), keyRing, client });
    const senders = new EphemeralEduSenders(ctx, sender);
    senders.start({ followPresence: true });
    const presence = new PresenceService(ctx, { enabled: true });
    try {
      const eventId = (await ctx.rooms.store.currentStateEvent(roomId, 'm.room.create', ''))!.event.event_id;
      const stored = (await ctx.rooms.store.getEvent(eventId))!;
      ctx.rooms.typing.setTyping(roomId, alice.user_id, true, 30_000);
      const receipt = { roomId, userId: alice.user_id, threadId: '', eventId, eventStreamOrdering: stored.streamOrdering, ts: 42 };
      await putReceipt(ctx.db, ctx.rooms.hub.writer('receipts'), { ...receipt, receiptType: 'm.read.private' });
      await putReceipt(ctx.db, ctx.rooms.hub.writer('receipts'), { ...receipt, receiptType: 'm.read' });
      await presence.set(alice.user_id, 'online', 'followed');

      const has = (type: string) => edus.some((e) => e.edu_type === type);
      for (let round = 0; round < 200 && !(has('m.typing') && has('m.receipt') && has('m.presence')); round++) {
        await sender.idle();
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(edus.find((e) => e.edu_type === 'm.typing')?.content).toEqual({ room_id: roomId, user_id: alice.user_id, typing: true });
      const receipts = edus.filter((e) => e.edu_type === 'm.receipt').map((e) => e.content);
      expect(receipts).toEqual([{ [roomId]: { 'm.read': { [alice.user_id]: { event_ids: [eventId], data: { ts: 42 } } } } }]);
      const push = edus.find((e) => e.edu_type === 'm.presence')?.content['push'] as Array<Record<string, unknown>>;
      expect(push).toEqual([expect.objectContaining({ user_id: alice.user_id, presence: 'online', status_msg: 'followed', currently_active: expect.any(Boolean) })]);
      expect(typeof push[0]!['last_active_ago']).toBe('number');
    } finally {
      senders.stop();
      await sender.stop();
      ctx.rooms.typing.setTyping(roomId, alice.user_id, false);
    }
  });
  test('a local user still typing is announced again, so the remote timeout does not drop them; stopping ends it', async () => {
    const roomId = await sharedRoom();
    const { ctx } = server;
    const typingEdus: Array<Record<string, unknown>> = [];
    const client = new FakeClient();
    client.handler = (req: FederationRequest) => {
      for (const e of (req.body as { edus: Edu[] }).edus) if (e.edu_type === 'm.typing' && e.content['room_id'] === roomId) typingEdus.push(e.content);
      return { pdus: {} };
    };
    const sender = new FederationSender({ ctx, serverName: ctx.config.server_name, signingKey: generateSigningKey('s'), keyRing, client });
    const typing = new TypingEduSender(ctx, sender, { renewMs: 30 });
    typing.start();
    const settle = async (done: () => boolean) => {
      for (let round = 0; round < 200 && !done(); round++) {
        await sender.idle();
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    try {
      ctx.rooms.typing.setTyping(roomId, alice.user_id, true, 60_000);
      await settle(() => typingEdus.length >= 3);
      expect(typingEdus.slice(0, 3).map((c) => c['typing'])).toEqual([true, true, true]);
      ctx.rooms.typing.setTyping(roomId, alice.user_id, false);
      await settle(() => typingEdus.some((c) => c['typing'] === false));
      const stoppedAt = typingEdus.findIndex((c) => c['typing'] === false);
      // Renewals stop with the user: nothing after the "stopped" says typing again.
      await new Promise((r) => setTimeout(r, 100));
      await sender.idle();
      expect(typingEdus.slice(stoppedAt + 1).filter((c) => c['typing'] === true)).toEqual([]);
    } finally {
      typing.stop();
      await sender.stop();
    }
  });
});
