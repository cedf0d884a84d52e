/** Pushers over HTTP and the HTTP pusher sender against a real push gateway (in-process queue with retries). */
import pino from 'pino';
import { InProcessPushQueue } from '@lattice/push';
import { createRoom, joinRoom, sendEvent, sendMessage, sendState } from '../../client-api/test/support/rooms.js';
import { DB_KINDS, v3, type Credentials } from '../../client-api/test/support/test-server.js';
import { startPushTestServer, type PushTestServer } from './support/push-server.js';
import { startTestGateway, type TestGateway } from './support/push-gateway.js';

interface PushersBody {
  pushers: Array<Record<string, unknown>>;
}

describe.each(DB_KINDS)('pushers on %s', (kind) => {
  let hs: PushTestServer;
  let gateway: TestGateway;
  let alice: Credentials;
  let bob: Credentials;
  let carol: Credentials;
  beforeAll(async () => {
    gateway = await startTestGateway();
    hs = await startPushTestServer(kind, { queue: new InProcessPushQueue(pino({ level: 'silent' }), { attempts: 4, backoffMs: 20 }) });
    alice = await hs.createUser('alice');
    bob = await hs.createUser('bob');
    carol = await hs.createUser('carol');
  });
  afterAll(async () => {
    await hs.close();
    await gateway.close();
  });

  const pusher = (pushkey: string, extra: Record<string, unknown> = {}) => ({
    kind: 'http',
    app_id: 'com.example.app',
    pushkey,
    app_display_name: 'Example',
    device_display_name: 'Phone',
    lang: 'en',
    data: { url: gateway.url },
    ...extra,
  });
  const setPusher = (user: Credentials, body: unknown) => hs.request('POST', v3('/pushers/set'), { token: user.access_token, body });
  const pushers = async (user: Credentials) => (await hs.request<PushersBody>('GET', v3('/pushers'), { token: user.access_token })).body.pushers;

  test('set, list, update, append, delete', async () => {
    expect(await pushers(alice)).toEqual([]);
    expect((await setPusher(alice, pusher('key-a', { profile_tag: 'tag', data: { url: gateway.url, custom: 1 } }))).status).toBe(200);
    expect(await pushers(alice)).toEqual([
      {
        pushkey: 'key-a',
        kind: 'http',
        app_id: 'com.example.app',
        app_display_name: 'Example',
        device_display_name: 'Phone',
        profile_tag: 'tag',
        lang: 'en',
        data: { url: gateway.url, custom: 1 },
      },
    ]);
    // The same app_id and pushkey updates.
    await setPusher(alice, pusher('key-a', { lang: 'fr' }));
    expect((await pushers(alice)).map((p) => p.lang)).toEqual(['fr']);
    // Another user registering the same pushkey takes it over, unless append.
    await setPusher(bob, pusher('key-a', { append: true }));
    expect(await pushers(alice)).toHaveLength(1);
    expect(await pushers(bob)).toHaveLength(1);
    await setPusher(bob, pusher('key-a'));
    expect(await pushers(alice)).toHaveLength(0);
    // kind null deletes.
    expect((await setPusher(bob, { kind: null, app_id: 'com.example.app', pushkey: 'key-a' })).status).toBe(200);
    expect(await pushers(bob)).toEqual([]);
  });

  test('bad input: the spec errors and nothing stored', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ app_id: 'a', pushkey: 'k' }, 'M_MISSING_PARAM'],
      [{ kind: 'http', pushkey: 'k' }, 'M_MISSING_PARAM'],
      [{ kind: 'http', app_id: 'a' }, 'M_MISSING_PARAM'],
      [{ kind: 'http', app_id: 'a', pushkey: 'k', data: { url: gateway.url } }, 'M_MISSING_PARAM'],
      [pusher('k', { data: undefined }), 'M_MISSING_PARAM'],
      [pusher('k', { data: {} }), 'M_INVALID_PARAM'],
      [pusher('k', { data: { url: 'https://gateway.example/notify' } }), 'M_INVALID_PARAM'],
      [pusher('k', { data: { url: 'not a url' } }), 'M_INVALID_PARAM'],
      [pusher('k', { data: { url: 'ftp://gateway.example/_matrix/push/v1/notify' } }), 'M_INVALID_PARAM'],
      [pusher('k', { data: { url: gateway.url, format: 'full' } }), 'M_INVALID_PARAM'],
      [pusher('k', { data: 'url' }), 'M_INVALID_PARAM'],
      [pusher('k', { kind: 'carrier-pigeon' }), 'M_INVALID_PARAM'],
      [pusher('k', { kind: 42 }), 'M_INVALID_PARAM'],
      [pusher('k', { lang: 5 }), 'M_INVALID_PARAM'],
      [pusher('k', { append: 'yes' }), 'M_INVALID_PARAM'],
      [pusher('k'.repeat(513)), 'M_INVALID_PARAM'],
      [pusher('k', { app_id: 'a'.repeat(65) }), 'M_INVALID_PARAM'],
    ];
    for (const [body, errcode] of cases) {
      const reply = await setPusher(carol, JSON.parse(JSON.stringify(body)) as unknown);
      expect({ body, status: reply.status, errcode: (reply.body as { errcode?: string }).errcode }).toEqual({ body, status: 400, errcode });
    }
    const notJson = await hs.request('POST', v3('/pushers/set'), { token: carol.access_token, raw: 'nope', headers: { 'Content-Type': 'application/json' } });
    expect(notJson.body).toMatchObject({ errcode: 'M_NOT_JSON' });
    expect(await pushers(carol)).toEqual([]);
    expect((await hs.request('GET', v3('/pushers'))).status).toBe(401);
    expect((await hs.request('GET', v3('/pushers/set'), { token: carol.access_token })).status).toBe(405);
  });

  test('a pusher goes with the device that set it (logout)', async () => {
    const login = await hs.request<{ access_token: string }>('POST', v3('/login'), {
      body: { type: 'm.login.password', identifier: { type: 'm.id.user', user: 'carol' }, password: carol.password },
    });
    expect(login.status).toBe(200);
    const phone = { ...carol, access_token: login.body.access_token };
    await setPusher(phone, pusher('carol-phone'));
    await setPusher(carol, pusher('carol-laptop'));
    expect((await pushers(carol)).map((p) => p.pushkey).sort()).toEqual(['carol-laptop', 'carol-phone']);
    expect((await hs.request('POST', v3('/logout'), { token: phone.access_token, body: {} })).status).toBe(200);
    expect((await pushers(carol)).map((p) => p.pushkey)).toEqual(['carol-laptop']);
    await setPusher(carol, { kind: null, app_id: 'com.example.app', pushkey: 'carol-laptop' });
  });

  test('the gateway receives a message sent by another user, with counts, devices and tweaks', async () => {
    const room = await createRoom(hs, alice, { preset: 'public_chat', name: 'Push room' });
    await joinRoom(hs, bob, room);
    await hs.request('PUT', v3(`/profile/${encodeURIComponent(alice.user_id)}/displayname`), { token: alice.access_token, body: { displayname: 'Alice A' } });
    await setPusher(bob, pusher('bob-key', { data: { url: gateway.url, custom: 'x' } }));
    const start = gateway.received.length;
    // Bob's own message pushes nothing to him.
    await sendMessage(hs, bob, room, 'mine');
    const eventId = await sendMessage(hs, alice, room, 'hello you');
    const [notification] = (await gateway.waitFor(start + 1)).slice(start);
    expect(notification).toMatchObject({
      event_id: eventId,
      room_id: room,
      type: 'm.room.message',
      sender: alice.user_id,
      sender_display_name: 'Alice A',
      room_name: 'Push room',
      user_is_target: false,
      prio: 'high',
      content: { msgtype: 'm.text', body: 'hello you' },
      counts: { unread: 1 },
    });
    expect(notification!.devices).toEqual([
      { app_id: 'com.example.app', pushkey: 'bob-key', pushkey_ts: expect.any(Number), data: { custom: 'x' }, tweaks: { sound: 'default' } },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(gateway.received.slice(start).map((n) => n.event_id)).toEqual([eventId]);

    // event_id_only carries only the ids, counts and devices.
    await setPusher(bob, pusher('bob-key', { data: { url: gateway.url, format: 'event_id_only' } }));
    const second = await sendEvent(hs, alice, room, 'm.room.message', { msgtype: 'm.text', body: 'again', 'm.mentions': { user_ids: [bob.user_id] } });
    const [slim] = (await gateway.waitFor(start + 2)).slice(start + 1);
    expect(Object.keys(slim!).sort()).toEqual(['counts', 'devices', 'event_id', 'prio', 'room_id']);
    expect(slim).toMatchObject({ event_id: second, room_id: room, counts: { unread: 2 } });
    expect(slim!.devices[0]!.tweaks).toEqual({ sound: 'default', highlight: true });
    expect(slim!.devices[0]!.data).toEqual({ format: 'event_id_only' });
    await setPusher(bob, { kind: null, app_id: 'com.example.app', pushkey: 'bob-key' });
  });

  test('a user who just accepted an invite is pushed the next message at once', async () => {
    await setPusher(carol, pusher('carol-joins'));
    const before = gateway.received.length;
    const room = await createRoom(hs, alice, { preset: 'private_chat', invite: [carol.user_id] });
    await gateway.waitFor(before + 1); // the invite's push: the room's members with pushers were looked up for it
    await joinRoom(hs, carol, room);
    const reply = await sendMessage(hs, alice, room, 'welcome');
    await gateway.waitFor(before + 2);
    expect(gateway.received.slice(before).map((n) => n.event_id)).toContain(reply);
    await setPusher(carol, { kind: null, app_id: 'com.example.app', pushkey: 'carol-joins' });
  });

  test('an invite is pushed to the invitee (not a member yet) with user_is_target', async () => {
    await setPusher(carol, pusher('carol-invites'));
    const room = await createRoom(hs, alice, { preset: 'private_chat' });
    const start = gateway.received.length;
    const reply = await hs.request<{ event_id?: string }>('POST', v3(`/rooms/${encodeURIComponent(room)}/invite`), {
      token: alice.access_token,
      body: { user_id: carol.user_id },
    });
    expect(reply.status).toBe(200);
    const [notification] = (await gateway.waitFor(start + 1)).slice(start);
    expect(notification).toMatchObject({ room_id: room, type: 'm.room.member', user_is_target: true, content: { membership: 'invite' } });
    expect(notification!.devices[0]!.pushkey).toBe('carol-invites');
    await setPusher(carol, { kind: null, app_id: 'com.example.app', pushkey: 'carol-invites' });
  });

  test('retried after the gateway fails once; a rejected pushkey removes the pusher', async () => {
    const room = await createRoom(hs, alice, { preset: 'public_chat' });
    await joinRoom(hs, carol, room);
    await setPusher(carol, pusher('carol-key'));
    const start = gateway.received.length;
    const attempts = gateway.attempts;
    gateway.failNext(1);
    const eventId = await sendMessage(hs, alice, room, 'through a failure');
    const [retried] = (await gateway.waitFor(start + 1)).slice(start);
    expect(retried!.event_id).toBe(eventId);
    expect(gateway.attempts - attempts).toBe(2);

    gateway.reject.add('carol-key');
    await sendState(hs, alice, room, 'm.room.tombstone', '', { body: 'gone', replacement_room: '!elsewhere:test.local' });
    await gateway.waitFor(start + 2);
    for (let i = 0; i < 50 && (await pushers(carol)).length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await pushers(carol)).toEqual([]);
  });
});
