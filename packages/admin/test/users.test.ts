/** The user admin API's accounts: list, query, create or modify (GET/PUT /v2/users). */
import { DB_KINDS, SERVER_NAME, enc, startAdminTestServer, v3, type AdminTestServer } from './support/user-admin-server.js';

interface UserList {
  users: Array<Record<string, unknown>>;
  total: number;
  next_token?: string;
}

describe.each(DB_KINDS)('user admin accounts on %s', (kind) => {
  let hs: AdminTestServer;
  beforeAll(async () => {
    hs = await startAdminTestServer(kind);
  });
  afterAll(() => hs.close());

  const user = (localpart: string) => `@${localpart}:${SERVER_NAME}`;

  test('non-admins get 403 M_FORBIDDEN, requests without a token 401', async () => {
    const mallory = await hs.createUser('mallory');
    for (const [method, path] of [
      ['GET', '/v2/users'],
      ['GET', `/v2/users/${enc(mallory.user_id)}`],
      ['PUT', `/v2/users/${enc(mallory.user_id)}`],
      ['POST', `/v1/deactivate/${enc(hs.admin.user_id)}`],
      ['GET', '/v1/registration_tokens'],
    ]) {
      const reply = await hs.adminRequest(method!, path!, method === 'GET' ? undefined : {}, mallory.access_token);
      expect([path, reply.status, reply.body.errcode]).toEqual([path, 403, 'M_FORBIDDEN']);
    }
    const anonymous = await hs.request('GET', '/_synapse/admin/v2/users');
    expect(anonymous.status).toBe(401);
    // Mallory could not make herself an admin.
    const self = await hs.adminRequest('PUT', `/v1/users/${enc(mallory.user_id)}/admin`, { admin: true }, mallory.access_token);
    expect(self.status).toBe(403);
    expect((await hs.adminRequest('GET', `/v1/users/${enc(mallory.user_id)}/admin`)).body).toEqual({ admin: false });
  });

  test('GET /v2/users/<id>: the account; 404 unknown, 400 for other servers and malformed ids', async () => {
    const amy = await hs.createUser('amy');
    const reply = await hs.adminRequest('GET', `/v2/users/${enc(amy.user_id)}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      name: amy.user_id,
      displayname: 'amy',
      avatar_url: null,
      is_guest: false,
      admin: false,
      deactivated: false,
      erased: false,
      shadow_banned: false,
      locked: false,
      user_type: null,
      threepids: [],
      external_ids: [],
    });
    expect(typeof reply.body.creation_ts).toBe('number');
    expect(typeof reply.body.last_seen_ts === 'number' || reply.body.last_seen_ts === null).toBe(true);

    const unknown = await hs.adminRequest('GET', `/v2/users/${enc(user('nobody'))}`);
    expect([unknown.status, unknown.body.errcode]).toEqual([404, 'M_NOT_FOUND']);
    const remote = await hs.adminRequest('GET', `/v2/users/${enc('@amy:elsewhere.example')}`);
    expect([remote.status, remote.body.errcode, remote.body.error]).toEqual([400, 'M_INVALID_PARAM', 'Can only look up local users']);
    const malformed = await hs.adminRequest('GET', `/v2/users/${enc('not-a-user-id')}`);
    expect([malformed.status, malformed.body.errcode]).toEqual([400, 'M_INVALID_PARAM']);
  });

  test('PUT creates (201) an account that can log in, then modifies it (200)', async () => {
    const id = user('created');
    const created = await hs.adminRequest('PUT', `/v2/users/${enc(id)}`, {
      password: 'a long password',
      displayname: 'Created User',
      avatar_url: 'mxc://test.local/abc',
      admin: false,
      user_type: 'bot',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: id, displayname: 'Created User', avatar_url: 'mxc://test.local/abc', user_type: 'bot', admin: false });
    const login = await hs.login(id, 'a long password');
    expect(login.status).toBe(200);

    const modified = await hs.adminRequest('PUT', `/v2/users/${enc(id)}`, { displayname: '', admin: true, user_type: null });
    expect(modified.status).toBe(200);
    expect(modified.body).toMatchObject({ name: id, displayname: null, admin: true, user_type: null, avatar_url: 'mxc://test.local/abc' });
    // The password was not touched, so the session lives on.
    expect((await hs.request('GET', v3('/account/whoami'), { token: login.body.access_token as string })).status).toBe(200);
  });

  test('PUT with a password logs the devices out unless logout_devices is false', async () => {
    const pat = await hs.createUser('pat');
    const kept = await hs.adminRequest('PUT', `/v2/users/${enc(pat.user_id)}`, { password: 'second password', logout_devices: false });
    expect(kept.status).toBe(200);
    expect((await hs.request('GET', v3('/account/whoami'), { token: pat.access_token })).status).toBe(200);
    await hs.adminRequest('PUT', `/v2/users/${enc(pat.user_id)}`, { password: 'third password' });
    const after = await hs.request('GET', v3('/account/whoami'), { token: pat.access_token });
    expect([after.status, after.body.errcode]).toEqual([401, 'M_UNKNOWN_TOKEN']);
    expect((await hs.login(pat.user_id, 'second password')).status).toBe(403);
    expect((await hs.login(pat.user_id, 'third password')).status).toBe(200);
  });

  test('PUT refuses bad bodies and changes nothing', async () => {
    const quinn = await hs.createUser('quinn');
    const path = `/v2/users/${enc(quinn.user_id)}`;
    for (const body of [
      { admin: 'yes' },
      { displayname: 42 },
      { avatar_url: 'https://example.com/a.png' },
      { user_type: 'wizard' },
      { threepids: [{ medium: 'email', address: 'q@example.com' }] },
      { deactivated: 1 },
      { locked: 'true', displayname: 'Changed' },
    ]) {
      const reply = await hs.adminRequest('PUT', path, body);
      expect([JSON.stringify(body), reply.status, reply.body.errcode]).toEqual([JSON.stringify(body), 400, 'M_INVALID_PARAM']);
    }
    const notJson = await hs.request('PUT', `/_synapse/admin${path}`, { token: hs.admin.access_token, raw: '{nope', headers: { 'Content-Type': 'application/json' } });
    expect(notJson.status).toBe(400);
    expect(['M_NOT_JSON', 'M_BAD_JSON']).toContain(notJson.body.errcode);
    const remote = await hs.adminRequest('PUT', `/v2/users/${enc('@x:elsewhere.example')}`, {});
    expect([remote.status, remote.body.errcode]).toEqual([400, 'M_INVALID_PARAM']);
    const upper = await hs.adminRequest('PUT', `/v2/users/${enc(user('Upper'))}`, { password: 'whatever pw' });
    expect([upper.status, upper.body.errcode]).toEqual([400, 'M_INVALID_USERNAME']);
    expect((await hs.adminRequest('GET', path)).body).toMatchObject({ displayname: 'quinn', locked: false, admin: false });
    expect((await hs.adminRequest('GET', `/v2/users/${enc(user('upper'))}`)).status).toBe(404);
  });

  test('an admin cannot demote themselves', async () => {
    const v2 = await hs.adminRequest('PUT', `/v2/users/${enc(hs.admin.user_id)}`, { admin: false });
    expect(v2.status).toBe(400);
    const v1 = await hs.adminRequest('PUT', `/v1/users/${enc(hs.admin.user_id)}/admin`, { admin: false });
    expect(v1.status).toBe(400);
    expect((await hs.adminRequest('GET', `/v1/users/${enc(hs.admin.user_id)}/admin`)).body).toEqual({ admin: true });
  });

  test('GET/PUT /v1/users/<id>/admin: promotion gives access to the admin API', async () => {
    const rita = await hs.createUser('rita');
    expect((await hs.adminRequest('GET', '/v2/users', undefined, rita.access_token)).status).toBe(403);
    const missing = await hs.adminRequest('PUT', `/v1/users/${enc(rita.user_id)}/admin`, {});
    expect([missing.status, missing.body.errcode]).toEqual([400, 'M_MISSING_PARAM']);
    expect((await hs.adminRequest('PUT', `/v1/users/${enc(rita.user_id)}/admin`, { admin: true })).status).toBe(200);
    expect((await hs.adminRequest('GET', `/v1/users/${enc(rita.user_id)}/admin`)).body).toEqual({ admin: true });
    expect((await hs.adminRequest('GET', '/v2/users', undefined, rita.access_token)).status).toBe(200);
    await hs.adminRequest('PUT', `/v1/users/${enc(rita.user_id)}/admin`, { admin: false });
    expect((await hs.adminRequest('GET', '/v2/users', undefined, rita.access_token)).status).toBe(403);
  });

  test('locking: login and tokens answer 401 M_USER_LOCKED (soft logout) until unlocked; logout still works', async () => {
    const lou = await hs.createUser('lou');
    const second = await hs.login(lou.user_id, lou.password);
    expect((await hs.adminRequest('PUT', `/v2/users/${enc(lou.user_id)}`, { locked: true })).body).toMatchObject({ locked: true });
    const locked = await hs.request('GET', v3('/account/whoami'), { token: lou.access_token });
    expect(locked.status).toBe(401);
    expect(locked.body).toMatchObject({ errcode: 'M_USER_LOCKED', soft_logout: true });
    const login = await hs.login(lou.user_id, lou.password);
    expect([login.status, login.body.errcode]).toEqual([401, 'M_USER_LOCKED']);
    expect((await hs.request('POST', v3('/logout'), { token: second.body.access_token as string, body: {} })).status).toBe(200);

    await hs.adminRequest('PUT', `/v2/users/${enc(lou.user_id)}`, { locked: false });
    expect((await hs.request('GET', v3('/account/whoami'), { token: lou.access_token })).status).toBe(200);
    expect((await hs.login(lou.user_id, lou.password)).status).toBe(200);
  });

  test('deactivation and reactivation through PUT', async () => {
    const dee = await hs.createUser('dee');
    expect((await hs.adminRequest('PUT', `/v2/users/${enc(dee.user_id)}`, { deactivated: true })).body).toMatchObject({ deactivated: true });
    expect((await hs.request('GET', v3('/account/whoami'), { token: dee.access_token })).status).toBe(401);
    // Reactivating needs a new password (Synapse's rule).
    const noPassword = await hs.adminRequest('PUT', `/v2/users/${enc(dee.user_id)}`, { deactivated: false });
    expect(noPassword.status).toBe(400);
    const back = await hs.adminRequest('PUT', `/v2/users/${enc(dee.user_id)}`, { deactivated: false, password: 'dee is back' });
    expect(back.body).toMatchObject({ deactivated: false });
    expect((await hs.login(dee.user_id, 'dee is back')).status).toBe(200);
  });

  test('GET /v2/users: filters, order, pagination with next_token and total', async () => {
    for (const name of ['lista', 'listb', 'listc', 'listd']) await hs.createUser(name);
    await hs.adminRequest('PUT', `/v2/users/${enc(user('listd'))}`, { deactivated: true });
    await hs.adminRequest('PUT', `/v2/users/${enc(user('listc'))}`, { displayname: 'Charlie Lister' });

    const first = await hs.adminRequest<UserList>('GET', '/v2/users?name=list&limit=2');
    expect(first.status).toBe(200);
    expect(first.body.total).toBe(3);
    expect(first.body.users.map((u) => u.name)).toEqual([user('lista'), user('listb')]);
    expect(first.body.next_token).toBe('2');
    const second = await hs.adminRequest<UserList>('GET', `/v2/users?name=list&limit=2&from=${first.body.next_token}`);
    expect(second.body.users.map((u) => u.name)).toEqual([user('listc')]);
    expect(second.body.next_token).toBeUndefined();
    expect(second.body.users[0]).toMatchObject({ displayname: 'Charlie Lister', deactivated: false, admin: false, is_guest: false });

    const withDeactivated = await hs.adminRequest<UserList>('GET', '/v2/users?name=list&deactivated=true&dir=b');
    expect(withDeactivated.body.users.map((u) => u.name)).toEqual([user('listd'), user('listc'), user('listb'), user('lista')]);
    // name matches display names too, case-insensitively.
    const byDisplayName = await hs.adminRequest<UserList>('GET', '/v2/users?name=CHARLIE');
    expect(byDisplayName.body.users.map((u) => u.name)).toEqual([user('listc')]);
    const byUserId = await hs.adminRequest<UserList>('GET', `/v2/users?user_id=${enc('listb:')}`);
    expect(byUserId.body.users.map((u) => u.name)).toEqual([user('listb')]);
    const admins = await hs.adminRequest<UserList>('GET', '/v2/users?admins=true');
    expect(admins.body.users.map((u) => u.name)).toContain(hs.admin.user_id);
    expect(admins.body.users.every((u) => u.admin === true)).toBe(true);
    const byCreation = await hs.adminRequest<UserList>('GET', '/v2/users?name=list&order_by=creation_ts&dir=b');
    expect(byCreation.body.users.map((u) => u.name)).toEqual([user('listc'), user('listb'), user('lista')]);

    await hs.adminRequest('PUT', `/v2/users/${enc(user('listb'))}`, { user_type: 'bot' });
    const noBots = await hs.adminRequest<UserList>('GET', '/v2/users?name=list&not_user_type=bot');
    expect(noBots.body.users.map((u) => u.name)).toEqual([user('lista'), user('listc')]);
    const onlyTyped = await hs.adminRequest<UserList>('GET', '/v2/users?name=list&not_user_type=&not_user_type=support');
    expect(onlyTyped.body.users.map((u) => u.name)).toEqual([user('listb')]);

    for (const bad of ['limit=-1', 'limit=0', 'from=x', 'order_by=password_hash', 'dir=up', 'guests=maybe']) {
      const reply = await hs.adminRequest('GET', `/v2/users?${bad}`);
      expect([bad, reply.status, reply.body.errcode]).toEqual([bad, 400, 'M_INVALID_PARAM']);
    }
  });

  test('guests are listed unless guests=false', async () => {
    await hs.db.query('INSERT INTO users (user_id, creation_ts, is_guest) VALUES ($1, $2, TRUE)', [user('9001'), Date.now()]);
    const all = await hs.adminRequest<UserList>('GET', '/v2/users?user_id=9001');
    expect(all.body.users.map((u) => [u.name, u.is_guest])).toEqual([[user('9001'), true]]);
    const noGuests = await hs.adminRequest<UserList>('GET', '/v2/users?user_id=9001&guests=false');
    expect(noGuests.body.users).toEqual([]);
  });
});
