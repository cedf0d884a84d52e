/**
 * The Client-Server API as an appservice uses it: as_token authentication,
 * identity assertion (?user_id=, ?device_id=), m.login.application_service
 * registration, M_EXCLUSIVE namespaces, and the ping endpoint against a real
 * HTTP appservice (ok, bad status, unreachable).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DB_KINDS, v3 } from '../../client-api/test/support/test-server.js';
import { createRoom } from '../../client-api/test/support/rooms.js';
import { registrationYaml, startServerWithAppservice, type AppserviceTestServer } from './support/appservice-server.js';
import type { TestAppservice } from './support/test-appservice.js';

const AS_TOKEN = 'as_token_bridge';
const HS_TOKEN = 'hs_token_bridge';
const v1 = (path: string) => `/_matrix/client/v1${path}`;

describe.each(DB_KINDS)('appservice client-server extensions (%s)', (kind) => {
  let hs: AppserviceTestServer;
  let bridge: TestAppservice;

  beforeAll(async () => {
    ({ hs, appservice: bridge } = await startServerWithAppservice(
      kind,
      {
        id: 'bridge',
        asToken: AS_TOKEN,
        hsToken: HS_TOKEN,
        sender: '_bridge_bot',
        users: [
          { regex: '@_bridge_.*', exclusive: true },
          { regex: '@shared_.*', exclusive: false },
          { regex: '@tg_.*', exclusive: true },
        ],
        aliases: [{ regex: '#_bridge_.*', exclusive: true }],
      },
      [
        // Reachable by nobody: for the unreachable ping.
        registrationYaml({ id: 'gone', url: 'http://127.0.0.1:1', asToken: 'as_gone', hsToken: 'hs_gone', sender: '_gone_bot' }),
        registrationYaml({ id: 'silent', url: null, asToken: 'as_silent', hsToken: 'hs_silent', sender: '_silent_bot' }),
      ],
    ));
  });

  afterAll(async () => {
    await hs?.close();
    await bridge?.close();
  });

  const asRequest = (method: string, path: string, body?: unknown, token = AS_TOKEN) => hs.request(method, path, { token, body });

  it('authenticates the as_token as the sender user (created on first use)', async () => {
    const reply = await asRequest('GET', v3('/account/whoami'));
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ user_id: '@_bridge_bot:test.local', is_guest: false });
    const profile = await hs.request('GET', v3('/profile/@_bridge_bot:test.local'));
    expect(profile.status).toBe(200);
  });

  it('registers users in its namespace with m.login.application_service, without UIA', async () => {
    const reply = await asRequest('POST', v3('/register'), { type: 'm.login.application_service', username: '_bridge_alice' });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ user_id: '@_bridge_alice:test.local', home_server: 'test.local' });
    expect(typeof reply.body.access_token).toBe('string');
    const whoami = await hs.request('GET', v3('/account/whoami'), { token: reply.body.access_token as string });
    expect(whoami.body).toMatchObject({ user_id: '@_bridge_alice:test.local', device_id: reply.body.device_id });

    const inhibited = await asRequest('POST', v3('/register'), { type: 'm.login.application_service', username: '_bridge_bob', inhibit_login: true });
    expect(inhibited.status).toBe(200);
    expect(inhibited.body).toEqual({ user_id: '@_bridge_bob:test.local', home_server: 'test.local' });
  });

  it('refuses appservice registration outside its namespace, without its token, and twice', async () => {
    const outside = await asRequest('POST', v3('/register'), { type: 'm.login.application_service', username: 'carol' });
    expect(outside.status).toBe(400);
    expect(outside.body.errcode).toBe('M_EXCLUSIVE');
    const otherAs = await asRequest('POST', v3('/register'), { type: 'm.login.application_service', username: '_bridge_x' }, 'as_silent');
    expect(otherAs.body.errcode).toBe('M_EXCLUSIVE');
    const noToken = await hs.request('POST', v3('/register'), { body: { type: 'm.login.application_service', username: '_bridge_y' } });
    expect(noToken.status).toBe(401);
    expect(noToken.body.errcode).toBe('M_MISSING_TOKEN');
    const badToken = await asRequest('POST', v3('/register'), { type: 'm.login.application_service', username: '_bridge_y' }, 'not-a-token');
    expect(badToken.status).toBe(401);
    expect(badToken.body.errcode).toBe('M_UNKNOWN_TOKEN');
    const again = await asRequest('POST', v3('/register'), { type: 'm.login.application_service', username: '_bridge_alice' });
    expect(again.status).toBe(400);
    expect(again.body.errcode).toBe('M_USER_IN_USE');
  });

  it('gives ordinary users M_EXCLUSIVE for names and aliases in an exclusive namespace', async () => {
    const taken = await hs.request('GET', v3('/register/available?username=tg_zed'));
    expect(taken.status).toBe(400);
    expect(taken.body.errcode).toBe('M_EXCLUSIVE');
    const register = await hs.request('POST', v3('/register'), { body: { username: 'tg_zed', password: 'a long enough password' } });
    expect(register.status).toBe(400);
    expect(register.body.errcode).toBe('M_EXCLUSIVE');
    expect((await hs.request('GET', v3('/register/available?username=zed'))).body).toEqual({ available: true });
    const user = await hs.createUser('dave');
    const roomId = await createRoom(hs, user);
    const alias = await hs.request('PUT', v3(`/directory/room/${encodeURIComponent('#_bridge_room:test.local')}`), {
      token: user.access_token,
      body: { room_id: roomId },
    });
    expect(alias.status).toBe(400);
    expect(alias.body.errcode).toBe('M_EXCLUSIVE');
    const viaCreate = await hs.request('POST', v3('/createRoom'), { token: user.access_token, body: { room_alias_name: '_bridge_lobby' } });
    expect(viaCreate.status).toBe(400);
    expect(viaCreate.body.errcode).toBe('M_EXCLUSIVE');
    const free = await hs.request('PUT', v3(`/directory/room/${encodeURIComponent('#dave_room:test.local')}`), {
      token: user.access_token,
      body: { room_id: roomId },
    });
    expect(free.status).toBe(200);
  });

  it('masquerades as registered users of its namespaces, and only those', async () => {
    const asAlice = await asRequest('GET', v3('/account/whoami?user_id=' + encodeURIComponent('@_bridge_alice:test.local')));
    expect(asAlice.status).toBe(200);
    expect(asAlice.body).toEqual({ user_id: '@_bridge_alice:test.local', is_guest: false });

    // A non-exclusive namespace: the appservice may act as an existing user there.
    await hs.createUser('shared_sam');
    const asSam = await asRequest('GET', v3('/account/whoami?user_id=' + encodeURIComponent('@shared_sam:test.local')));
    expect(asSam.body).toMatchObject({ user_id: '@shared_sam:test.local' });

    const outside = await asRequest('GET', v3('/account/whoami?user_id=' + encodeURIComponent('@dave:test.local')));
    expect(outside.status).toBe(403);
    expect(outside.body.errcode).toBe('M_FORBIDDEN');
    const unregistered = await asRequest('GET', v3('/account/whoami?user_id=' + encodeURIComponent('@_bridge_nobody:test.local')));
    expect(unregistered.status).toBe(403);
    expect(unregistered.body.errcode).toBe('M_FORBIDDEN');
  });

  it('acts through a device of the user with ?device_id= (M_UNKNOWN_DEVICE for others)', async () => {
    const reg = await asRequest('POST', v3('/register'), { type: 'm.login.application_service', username: '_bridge_erin', device_id: 'ERINPHONE' });
    expect(reg.status).toBe(200);
    const user = encodeURIComponent('@_bridge_erin:test.local');
    const withDevice = await asRequest('GET', v3(`/account/whoami?user_id=${user}&device_id=ERINPHONE`));
    expect(withDevice.body).toEqual({ user_id: '@_bridge_erin:test.local', device_id: 'ERINPHONE', is_guest: false });
    const unknown = await asRequest('GET', v3(`/account/whoami?user_id=${user}&device_id=NOPE`));
    expect(unknown.status).toBe(400);
    expect(unknown.body.errcode).toBe('M_UNKNOWN_DEVICE');
  });

  it('creates (201) and deletes (without UIA) devices of its users', async () => {
    const user = encodeURIComponent('@_bridge_alice:test.local');
    const created = await asRequest('PUT', v3(`/devices/BRIDGEDEV?user_id=${user}`), { display_name: 'Bridge' });
    expect(created.status).toBe(201);
    const again = await asRequest('PUT', v3(`/devices/BRIDGEDEV?user_id=${user}`), { display_name: 'Bridge 2' });
    expect(again.status).toBe(200);
    const asDevice = await asRequest('GET', v3(`/account/whoami?user_id=${user}&device_id=BRIDGEDEV`));
    expect(asDevice.body).toMatchObject({ device_id: 'BRIDGEDEV' });
    const device = await asRequest('GET', v3(`/devices/BRIDGEDEV?user_id=${user}`));
    expect(device.body).toMatchObject({ device_id: 'BRIDGEDEV', display_name: 'Bridge 2' });

    const ordinary = await hs.createUser('gina');
    const refused = await hs.request('PUT', v3('/devices/NEWONE'), { token: ordinary.access_token, body: {} });
    expect(refused.status).toBe(404);

    const deleted = await asRequest('DELETE', v3(`/devices/BRIDGEDEV?user_id=${user}`), {});
    expect(deleted.status).toBe(200);
    const gone = await asRequest('GET', v3(`/account/whoami?user_id=${user}&device_id=BRIDGEDEV`));
    expect(gone.body.errcode).toBe('M_UNKNOWN_DEVICE');
  });

  it('lets a masqueraded user act in rooms (events carry the asserted sender)', async () => {
    const user = encodeURIComponent('@_bridge_alice:test.local');
    const created = await asRequest('POST', v3(`/createRoom?user_id=${user}`), {});
    expect(created.status).toBe(200);
    const roomId = created.body.room_id as string;
    const sent = await asRequest('PUT', v3(`/rooms/${encodeURIComponent(roomId)}/send/m.room.message/t1?user_id=${user}`), { msgtype: 'm.text', body: 'hi' });
    expect(sent.status).toBe(200);
    const event = await asRequest('GET', v3(`/rooms/${encodeURIComponent(roomId)}/event/${encodeURIComponent(sent.body.event_id as string)}?user_id=${user}`));
    expect(event.body.sender).toBe('@_bridge_alice:test.local');
  });

  it('logs in registered users of its namespace with m.login.application_service', async () => {
    const flows = await hs.request('GET', v3('/login'));
    expect(flows.body.flows).toContainEqual({ type: 'm.login.application_service' });
    const login = (user: string, token?: string) =>
      hs.request('POST', v3('/login'), { token, body: { type: 'm.login.application_service', identifier: { type: 'm.id.user', user } } });
    const ok = await login('_bridge_alice', AS_TOKEN);
    expect(ok.status).toBe(200);
    expect(ok.body.user_id).toBe('@_bridge_alice:test.local');
    const whoami = await hs.request('GET', v3('/account/whoami'), { token: ok.body.access_token as string });
    expect(whoami.body).toMatchObject({ user_id: '@_bridge_alice:test.local', device_id: ok.body.device_id });

    const outside = await login('@dave:test.local', AS_TOKEN);
    expect(outside.status).toBe(400);
    expect(outside.body.errcode).toBe('M_EXCLUSIVE');
    const unregistered = await login('_bridge_never', AS_TOKEN);
    expect(unregistered.status).toBe(403);
    expect(unregistered.body.errcode).toBe('M_FORBIDDEN');
    const noToken = await login('_bridge_alice');
    expect(noToken.status).toBe(403);
    expect(noToken.body.errcode).toBe('M_FORBIDDEN');
  });

  it('sets origin_server_ts from ?ts= for appservices only (timestamp massaging)', async () => {
    const user = encodeURIComponent('@_bridge_alice:test.local');
    const created = await asRequest('POST', v3(`/createRoom?user_id=${user}`), {});
    const room = encodeURIComponent(created.body.room_id as string);
    const eventTs = async (eventId: unknown) =>
      (await asRequest('GET', v3(`/rooms/${room}/event/${encodeURIComponent(eventId as string)}?user_id=${user}`))).body.origin_server_ts;
    const sent = await asRequest('PUT', v3(`/rooms/${room}/send/m.room.message/ts1?user_id=${user}&ts=1234567890`), { msgtype: 'm.text', body: 'old' });
    expect(sent.status).toBe(200);
    expect(await eventTs(sent.body.event_id)).toBe(1234567890);
    const state = await asRequest('PUT', v3(`/rooms/${room}/state/m.room.topic/?user_id=${user}&ts=1234567999`), { topic: 'then' });
    expect(state.status).toBe(200);
    expect(await eventTs(state.body.event_id)).toBe(1234567999);
    const bad = await asRequest('PUT', v3(`/rooms/${room}/send/m.room.message/ts2?user_id=${user}&ts=yesterday`), { msgtype: 'm.text', body: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body.errcode).toBe('M_INVALID_PARAM');

    const dave = await hs.createUser('ts_dave');
    const own = await hs.request('POST', v3('/createRoom'), { token: dave.access_token, body: {} });
    const ordinary = await hs.request('PUT', v3(`/rooms/${encodeURIComponent(own.body.room_id as string)}/send/m.room.message/ts3?ts=1234567890`), {
      token: dave.access_token,
      body: { msgtype: 'm.text', body: 'now' },
    });
    const event = await hs.request('GET', v3(`/rooms/${encodeURIComponent(own.body.room_id as string)}/event/${encodeURIComponent(ordinary.body.event_id as string)}`), {
      token: dave.access_token,
    });
    expect(event.body.origin_server_ts).not.toBe(1234567890);
  });

  it('pings the appservice with its hs_token and reports the round trip', async () => {
    const reply = await asRequest('POST', v1('/appservice/bridge/ping'), { transaction_id: 'meow' });
    expect(reply.status).toBe(200);
    expect(typeof reply.body.duration_ms).toBe('number');
    expect(bridge.pings.at(-1)).toEqual({ transaction_id: 'meow' });
  });

  it('reports the appservice answering a bad status as 502 M_BAD_STATUS with status and body', async () => {
    bridge.pingStatus = 401;
    try {
      const reply = await asRequest('POST', v1('/appservice/bridge/ping'), {});
      expect(reply.status).toBe(502);
      expect(reply.body).toMatchObject({ errcode: 'M_BAD_STATUS', status: 401, body: JSON.stringify({ errcode: 'M_UNKNOWN_TOKEN' }) });
    } finally {
      bridge.pingStatus = 200;
    }
  });

  it('reports an unreachable appservice as 502 M_CONNECTION_FAILED and a missing url as 400 M_URL_NOT_SET', async () => {
    const gone = await asRequest('POST', v1('/appservice/gone/ping'), {}, 'as_gone');
    expect(gone.status).toBe(502);
    expect(gone.body.errcode).toBe('M_CONNECTION_FAILED');
    const silent = await asRequest('POST', v1('/appservice/silent/ping'), {}, 'as_silent');
    expect(silent.status).toBe(400);
    expect(silent.body.errcode).toBe('M_URL_NOT_SET');
  });

  it('lets only the appservice itself ping it', async () => {
    const otherAs = await asRequest('POST', v1('/appservice/bridge/ping'), {}, 'as_silent');
    expect(otherAs.status).toBe(403);
    expect(otherAs.body.errcode).toBe('M_FORBIDDEN');
    const user = await hs.createUser('frank');
    const ordinary = await hs.request('POST', v1('/appservice/bridge/ping'), { token: user.access_token, body: {} });
    expect(ordinary.status).toBe(403);
    expect(ordinary.body.errcode).toBe('M_FORBIDDEN');
  });

  it('exempts the sender and users of rate_limited: false appservices from rate limits', () => {
    const auth = hs.ctx.appservices!;
    expect(auth.isRateLimitExempt('@_bridge_bot:test.local')).toBe(true);
    // "bridge" did not set rate_limited: its users stay limited.
    expect(auth.isRateLimitExempt('@_bridge_alice:test.local')).toBe(false);
    expect(auth.isRateLimitExempt('@dave:test.local')).toBe(false);
  });
});
