/** Notifications evaluated as events are persisted: unread counts in /sync (per room and thread) and GET /notifications. */
import { createRoom, invite, joinRoom, sendEvent, sendMessage, sendState } from '../../client-api/test/support/rooms.js';
import { DB_KINDS, v3, type Credentials } from '../../client-api/test/support/test-server.js';
import { sync } from '../../sync/test/support/sync-server.js';
import { startPushTestServer, type PushTestServer } from './support/push-server.js';

const enc = encodeURIComponent;

interface NotificationsBody {
  next_token?: string;
  notifications: Array<{ actions: unknown[]; event: { event_id: string; content: Record<string, unknown> }; read: boolean; room_id: string; ts: number }>;
}

describe.each(DB_KINDS)('notifications on %s', (kind) => {
  let hs: PushTestServer;
  let alice: Credentials;
  let bob: Credentials;
  let carol: Credentials;
  beforeAll(async () => {
    hs = await startPushTestServer(kind);
    alice = await hs.createUser('alice');
    bob = await hs.createUser('bob');
    carol = await hs.createUser('carol');
  });
  afterAll(() => hs.close());

  const notifications = (user: Credentials, query = '') =>
    hs.request<NotificationsBody>('GET', v3(`/notifications${query}`), { token: user.access_token });

  test('unread counts: messages count, mentions highlight, receipts reset, never one\'s own', async () => {
    const dm = await createRoom(hs, alice, { preset: 'public_chat' });
    await joinRoom(hs, bob, dm);
    const before = await sync(hs, bob);
    expect(before.rooms.join[dm]!.unread_notifications).toEqual({ notification_count: 0, highlight_count: 0 });
    await sendMessage(hs, alice, dm, 'hello there');
    await sendEvent(hs, alice, dm, 'm.room.message', { msgtype: 'm.text', body: 'look', 'm.mentions': { user_ids: [bob.user_id] } });
    const last = await sendMessage(hs, alice, dm, 'third');
    const counted = await sync(hs, bob, { since: before.next_batch });
    expect(counted.rooms.join[dm]!.unread_notifications).toEqual({ notification_count: 3, highlight_count: 1 });
    expect((await sync(hs, alice)).rooms.join[dm]!.unread_notifications).toEqual({ notification_count: 0, highlight_count: 0 });
    await hs.request('POST', v3(`/rooms/${enc(dm)}/receipt/m.read.private/${enc(last)}`), { token: bob.access_token, body: {} });
    const read = await sync(hs, bob, { since: counted.next_batch });
    expect(read.rooms.join[dm]!.unread_notifications).toEqual({ notification_count: 0, highlight_count: 0 });
  });

  test('threaded unread counts with unread_thread_notifications', async () => {
    const room = await createRoom(hs, alice, { preset: 'public_chat' });
    await joinRoom(hs, bob, room);
    const root = await sendMessage(hs, alice, room, 'root');
    await sendEvent(hs, alice, room, 'm.room.message', { msgtype: 'm.text', body: 'in thread', 'm.relates_to': { rel_type: 'm.thread', event_id: root } });
    const body = await sync(hs, bob, { filter: { room: { timeline: { unread_thread_notifications: true } } } });
    expect(body.rooms.join[room]!.unread_notifications).toEqual({ notification_count: 1, highlight_count: 0 });
    expect(body.rooms.join[room]!.unread_thread_notifications).toEqual({ [root]: { notification_count: 1, highlight_count: 0 } });
    const plain = await sync(hs, bob);
    expect(plain.rooms.join[room]!.unread_notifications).toEqual({ notification_count: 2, highlight_count: 0 });
  });

  test('members who joined later count only from their join; outcomes that differ per member', async () => {
    const room = await createRoom(hs, alice, { preset: 'public_chat' });
    await joinRoom(hs, bob, room);
    await sendMessage(hs, alice, room, 'before carol');
    await joinRoom(hs, carol, room);
    // Most members notify; bob is mentioned (highlight); carol muted the room.
    await hs.request('PUT', v3(`/pushrules/global/room/${enc(room)}`), { token: carol.access_token, body: { actions: [] } });
    await sendEvent(hs, alice, room, 'm.room.message', { msgtype: 'm.text', body: 'hi bob', 'm.mentions': { user_ids: [bob.user_id] } });
    await hs.request('DELETE', v3(`/pushrules/global/room/${enc(room)}`), { token: carol.access_token });
    await sendMessage(hs, alice, room, 'for everyone');
    expect((await sync(hs, bob)).rooms.join[room]!.unread_notifications).toEqual({ notification_count: 3, highlight_count: 1 });
    expect((await sync(hs, carol)).rooms.join[room]!.unread_notifications).toEqual({ notification_count: 1, highlight_count: 0 });
    // Notices are suppressed for everyone; the room (3 members) is not one-to-one.
    await sendEvent(hs, alice, room, 'm.room.message', { msgtype: 'm.notice', body: 'bot' });
    expect((await sync(hs, carol)).rooms.join[room]!.unread_notifications).toEqual({ notification_count: 1, highlight_count: 0 });
  });

  test('an invite notifies the invitee; a tombstone highlights; @room needs the power to notify the room', async () => {
    const room = await createRoom(hs, alice, { preset: 'public_chat' });
    await invite(hs, alice, room, carol.user_id);
    const invites = (await notifications(carol)).body.notifications;
    // Carol is not joined yet: the invite is pushed but not listed (listing covers joined rooms).
    expect(invites.filter((n) => n.room_id === room)).toEqual([]);
    await joinRoom(hs, bob, room);
    await sendEvent(hs, bob, room, 'm.room.message', { msgtype: 'm.text', body: '@room hi', 'm.mentions': { room: true } });
    await sendEvent(hs, alice, room, 'm.room.message', { msgtype: 'm.text', body: '@room hi', 'm.mentions': { room: true } });
    const bobCounts = (await sync(hs, bob)).rooms.join[room]!.unread_notifications;
    expect(bobCounts).toEqual({ notification_count: 1, highlight_count: 1 });
    const aliceCounts = (await sync(hs, alice)).rooms.join[room]!.unread_notifications;
    // Bob (power 0) cannot notify the room: his message counts as a plain message.
    expect(aliceCounts).toEqual({ notification_count: 1, highlight_count: 0 });
    await sendState(hs, alice, room, 'm.room.tombstone', '', { body: 'moved', replacement_room: '!new:test.local' });
    expect((await sync(hs, bob)).rooms.join[room]!.unread_notifications).toEqual({ notification_count: 2, highlight_count: 2 });
  });

  test('GET /notifications: newest first, actions, read flag, pagination, only=highlight', async () => {
    const room = await createRoom(hs, carol, { preset: 'public_chat' });
    await joinRoom(hs, bob, room);
    const sent: string[] = [];
    for (let i = 0; i < 5; i++) {
      const content: Record<string, unknown> = { msgtype: 'm.text', body: `n${i}` };
      if (i % 2 === 0) content['m.mentions'] = { user_ids: [bob.user_id] };
      sent.push(await sendEvent(hs, carol, room, 'm.room.message', content));
    }
    await hs.request('POST', v3(`/rooms/${enc(room)}/receipt/m.read/${enc(sent[1]!)}`), { token: bob.access_token, body: {} });
    const inRoom = (body: NotificationsBody) => body.notifications.filter((n) => n.room_id === room);

    const all = await notifications(bob, '?limit=100');
    expect(all.status).toBe(200);
    const mine = inRoom(all.body);
    expect(mine.map((n) => n.event.event_id)).toEqual([...sent].reverse());
    expect(mine.map((n) => n.read)).toEqual([false, false, false, true, true]);
    expect(mine[0]!.actions).toEqual(['notify', { set_tweak: 'sound', value: 'default' }, { set_tweak: 'highlight' }]);
    // Two members: .m.rule.room_one_to_one.
    expect(mine[1]!.actions).toEqual(['notify', { set_tweak: 'sound', value: 'default' }]);
    expect(mine[0]!.event.content.body).toBe('n4');
    expect(typeof mine[0]!.ts).toBe('number');

    const page1 = await notifications(bob, '?limit=2');
    expect(page1.body.notifications.map((n) => n.event.event_id)).toEqual([sent[4], sent[3]]);
    expect(page1.body.next_token).toBeDefined();
    const page2 = await notifications(bob, `?limit=2&from=${page1.body.next_token}`);
    expect(page2.body.notifications.map((n) => n.event.event_id)).toEqual([sent[2], sent[1]]);

    const highlights = await notifications(bob, '?only=highlight&limit=100');
    expect(inRoom(highlights.body).map((n) => n.event.event_id)).toEqual([sent[4], sent[2], sent[0]]);
    // Carol sent them: nothing for her.
    expect(inRoom((await notifications(carol)).body)).toEqual([]);

    for (const query of ['?from=abc', '?limit=-1', '?limit=x']) {
      const reply = await notifications(bob, query);
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({ errcode: 'M_INVALID_PARAM' });
    }
    expect((await hs.request('GET', v3('/notifications'))).status).toBe(401);
  });

  test('GET /notifications pages through several rooms newest first, whichever room each came from', async () => {
    const rooms = [await createRoom(hs, carol, { preset: 'public_chat' }), await createRoom(hs, alice, { preset: 'public_chat' })];
    for (const room of rooms) await joinRoom(hs, bob, room);
    const sent: string[] = [];
    for (let i = 0; i < 7; i++) {
      const [sender, room] = i % 3 === 0 ? [alice, rooms[1]!] : [carol, rooms[0]!];
      sent.push(await sendEvent(hs, sender, room, 'm.room.message', { msgtype: 'm.text', body: `x${i}` }));
    }
    const seen: string[] = [];
    let from = '';
    while (seen.length < sent.length) {
      const page = await notifications(bob, `?limit=3${from}`);
      expect(page.body.notifications.length).toBeGreaterThan(0);
      seen.push(...page.body.notifications.map((n) => n.event.event_id));
      from = `&from=${page.body.next_token}`;
    }
    expect(seen.slice(0, sent.length)).toEqual([...sent].reverse());
  });
});
