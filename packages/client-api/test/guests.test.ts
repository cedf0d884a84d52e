/** Guest access (spec "Guest Access"): kind=guest registration, the guest allow-list, m.room.guest_access, upgrading. */
import { guestMayUse } from '@lattice/client-api';
import { DB_KINDS, SERVER_NAME, startTestServer, v3, type Credentials, type Reply, type TestServer } from './support/test-server.js';
import { createRoom, sendState } from './support/rooms.js';

const enc = encodeURIComponent;

interface GuestReply {
  user_id: string;
  access_token: string;
  device_id: string;
  home_server: string;
}

describe.each(DB_KINDS)('guest access on %s', (kind) => {
  let hs: TestServer;
  let alice: Credentials;
  beforeAll(async () => {
    hs = await startTestServer(kind, { yaml: 'allow_guest_access: true\n' });
    alice = await hs.createUser('alice');
  });
  afterAll(() => hs.close());

  async function registerGuest(body: Record<string, unknown> = {}): Promise<GuestReply> {
    const res = await hs.request<GuestReply>('POST', v3('/register?kind=guest'), { body });
    expect(res.status).toBe(200);
    return res.body;
  }

  const memberOf = async (roomId: string, userId: string) =>
    (await hs.request('GET', v3(`/rooms/${enc(roomId)}/state/m.room.member/${enc(userId)}`), { token: alice.access_token })).body;

  test('kind=guest registers a numeric guest with a device and token, no UIA, no display name', async () => {
    const guest = await registerGuest({ initial_device_display_name: 'Guest phone' });
    expect(guest.user_id).toMatch(new RegExp(`^@\\d+:${SERVER_NAME.replace('.', '\\.')}$`));
    expect(guest.home_server).toBe(SERVER_NAME);
    const whoami = await hs.request('GET', v3('/account/whoami'), { token: guest.access_token });
    expect(whoami.body).toEqual({ user_id: guest.user_id, device_id: guest.device_id, is_guest: true });
    const devices = await hs.request<{ devices: Array<{ display_name: string }> }>('GET', v3('/devices'), { token: guest.access_token });
    expect(devices.body.devices.map((d) => d.display_name)).toEqual(['Guest phone']);
    expect((await hs.request('GET', v3(`/profile/${enc(guest.user_id)}`))).body).toEqual({});
    // Every other parameter is ignored: the server picks the device, no refresh token, no password.
    const second = await registerGuest({ device_id: 'CHOSEN', refresh_token: true, username: 'x', password: 5 });
    expect(second.user_id).not.toBe(guest.user_id);
    expect(second.device_id).not.toBe('CHOSEN');
    expect(second).not.toHaveProperty('refresh_token');
  });

  test('guests get 403 M_GUEST_ACCESS_FORBIDDEN outside the allowed endpoints', async () => {
    const guest = await registerGuest();
    const refused: Array<[string, string, unknown?]> = [
      ['POST', v3('/createRoom'), {}],
      ['PUT', v3(`/profile/${enc(guest.user_id)}/avatar_url`), { avatar_url: 'mxc://test.local/a' }],
      ['PUT', v3(`/profile/${enc(guest.user_id)}/m.tz`), { 'm.tz': 'Europe/Paris' }],
      ['POST', v3('/account/password'), { new_password: 'x' }],
      ['DELETE', v3(`/devices/${guest.device_id}`), {}],
      ['POST', '/_matrix/client/r0/createRoom', {}],
    ];
    for (const [method, path, body] of refused) {
      const res = await hs.request(method, path, { token: guest.access_token, body });
      expect([path, res.status, res.body.errcode]).toEqual([path, 403, 'M_GUEST_ACCESS_FORBIDDEN']);
    }
    const caps = await hs.request<{ capabilities: Record<string, unknown> }>('GET', v3('/capabilities'), { token: guest.access_token });
    expect(caps.body.capabilities).toMatchObject({
      'm.profile_fields': { enabled: true, allowed: ['displayname'] },
      'm.set_avatar_url': { enabled: false },
      'm.change_password': { enabled: false },
    });
    // The display name is theirs to set and delete.
    const name = v3(`/profile/${enc(guest.user_id)}/displayname`);
    expect((await hs.request('PUT', name, { token: guest.access_token, body: { displayname: 'Visitor' } })).status).toBe(200);
    expect((await hs.request('GET', name)).body).toEqual({ displayname: 'Visitor' });
    expect((await hs.request('DELETE', name, { token: guest.access_token })).status).toBe(200);
  });

  test('guests join only rooms with guest_access can_join, and are made to leave when that changes', async () => {
    const guest = await registerGuest();
    const roomId = await createRoom(hs, alice, { preset: 'public_chat' });
    const join = (path: string) => hs.request('POST', v3(path), { token: guest.access_token, body: {} });

    const refused = await join(`/rooms/${enc(roomId)}/join`);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ errcode: 'M_GUEST_ACCESS_FORBIDDEN' });
    expect((await join(`/join/${enc(roomId)}`)).body).toMatchObject({ errcode: 'M_GUEST_ACCESS_FORBIDDEN' });
    expect(await memberOf(roomId, guest.user_id)).toMatchObject({ errcode: 'M_NOT_FOUND' });

    await sendState(hs, alice, roomId, 'm.room.guest_access', '', { guest_access: 'can_join' });
    expect((await join(`/rooms/${enc(roomId)}/join`)).status).toBe(200);
    const sent = await hs.request('PUT', v3(`/rooms/${enc(roomId)}/send/m.room.message/g1`), {
      token: guest.access_token,
      body: { msgtype: 'm.text', body: 'hello from a guest' },
    });
    expect(sent.status).toBe(200);
    const messages = await hs.request<{ chunk: Array<{ sender: string }> }>('GET', v3(`/rooms/${enc(roomId)}/messages?dir=b`), {
      token: guest.access_token,
    });
    expect(messages.status).toBe(200);
    expect(messages.body.chunk[0]!.sender).toBe(guest.user_id);

    await sendState(hs, alice, roomId, 'm.room.guest_access', '', { guest_access: 'forbidden' });
    expect(await memberOf(roomId, guest.user_id)).toEqual({ membership: 'leave' });
    expect(await memberOf(roomId, alice.user_id)).toMatchObject({ membership: 'join' });
  });

  test('a guest upgrades to a full account with its token and localpart', async () => {
    const guest = await registerGuest();
    const localpart = guest.user_id.slice(1, guest.user_id.indexOf(':'));
    const body = { username: localpart, password: 'a good password', guest_access_token: guest.access_token };
    const first = await hs.request<{ session: string }>('POST', v3('/register'), { body });
    expect(first.status).toBe(401);
    const done = await hs.request('POST', v3('/register'), { body: { ...body, auth: { type: 'm.login.dummy', session: first.body.session } } });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ user_id: guest.user_id, home_server: SERVER_NAME });
    expect(done.body.device_id).not.toBe(guest.device_id);

    // The old token is now a full account's token.
    const whoami = await hs.request('GET', v3('/account/whoami'), { token: guest.access_token });
    expect(whoami.body).toMatchObject({ user_id: guest.user_id, is_guest: false });
    expect((await hs.request('POST', v3('/createRoom'), { token: guest.access_token, body: {} })).status).toBe(200);
    expect((await hs.request('GET', v3(`/profile/${enc(guest.user_id)}`))).body).toEqual({ displayname: localpart });
    const login = await hs.request('POST', v3('/login'), {
      body: { type: 'm.login.password', identifier: { type: 'm.id.user', user: guest.user_id }, password: 'a good password' },
    });
    expect(login.status).toBe(200);

    // Upgrading twice is impossible: the token no longer belongs to a guest.
    const again = await hs.request('POST', v3('/register'), { body });
    expect(again.body).toMatchObject({ errcode: 'M_FORBIDDEN' });
  });

  test('upgrade refusals: foreign username, bad token, missing username — nothing changes', async () => {
    const guest = await registerGuest();
    const attempt = (body: Record<string, unknown>): Promise<Reply> => hs.request('POST', v3('/register'), { body: { password: 'a good password', ...body } });
    expect((await attempt({ username: 'alice', guest_access_token: guest.access_token })).body).toMatchObject({ errcode: 'M_USER_IN_USE' });
    expect((await attempt({ username: 'newname', guest_access_token: guest.access_token })).body).toMatchObject({ errcode: 'M_USER_IN_USE' });
    expect((await attempt({ username: '1', guest_access_token: 'not-a-token' })).status).toBe(403);
    expect((await attempt({ username: '1', guest_access_token: alice.access_token })).status).toBe(403);
    expect((await attempt({ guest_access_token: guest.access_token })).body).toMatchObject({ errcode: 'M_MISSING_PARAM' });
    const whoami = await hs.request('GET', v3('/account/whoami'), { token: guest.access_token });
    expect(whoami.body).toMatchObject({ is_guest: true });
    // Ordinary registration cannot take a numeric (guest-style) name.
    expect((await attempt({ username: '12345' })).body).toMatchObject({ errcode: 'M_INVALID_USERNAME' });
  });
});

describe('guest access disabled (the default)', () => {
  let hs: TestServer;
  beforeAll(async () => {
    hs = await startTestServer('pglite');
  });
  afterAll(() => hs.close());

  test('kind=guest is 403 M_FORBIDDEN and creates nobody', async () => {
    const res = await hs.request('POST', v3('/register?kind=guest'), { body: {} });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ errcode: 'M_FORBIDDEN' });
    const { rows } = await hs.db.query('SELECT 1 FROM users WHERE is_guest');
    expect(rows).toHaveLength(0);
  });
});

describe('the guest allow-list', () => {
  const allowed: Array<[string, string]> = [
    ['GET', '/_matrix/client/v3/sync'],
    ['GET', '/_matrix/client/r0/rooms/!a:s/state/m.room.name'],
    ['GET', '/_matrix/client/v3/rooms/!a:s/state/m.room.member/@u:s'],
    ['HEAD', '/_matrix/client/v3/rooms/!a:s/messages'],
    ['PUT', '/_matrix/client/v3/rooms/!a:s/send/m.room.message/t1'],
    ['PUT', '/_matrix/client/v3/sendToDevice/m.x/t1'],
    ['GET', '/_matrix/client/v1/media/download/s/abc'],
    ['GET', '/_matrix/client/v1/media/thumbnail/s/abc'],
    ['POST', '/_matrix/client/v3/keys/upload'],
    ['DELETE', '/_matrix/client/v3/profile/@u:s/displayname'],
    ['GET', '/_matrix/client/v3/rooms/!a:s/initialSync'],
  ];
  const refused: Array<[string, string]> = [
    ['POST', '/_matrix/client/v3/createRoom'],
    ['PUT', '/_matrix/client/v3/profile/@u:s/avatar_url'],
    ['DELETE', '/_matrix/client/v3/devices/ABC'],
    ['POST', '/_matrix/client/v3/rooms/!a:s/invite'],
    ['POST', '/_matrix/client/v3/rooms/!a:s/kick'],
    ['GET', '/_matrix/client/v3/rooms/!a:s/state/a/b/c'],
    ['PUT', '/_matrix/client/v3/sync'],
    ['POST', '/_matrix/client/v1/login/get_token'],
    ['GET', '/_matrix/client/v9/sync'],
  ];
  test.each(allowed)('%s %s is open to guests', (method, path) => expect(guestMayUse(method, path)).toBe(true));
  test.each(refused)('%s %s is not', (method, path) => expect(guestMayUse(method, path)).toBe(false));
});
