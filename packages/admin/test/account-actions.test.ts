/** Deactivation, password reset, whois, joined rooms and username availability through the admin API. */
import { createRoom, joinRoom } from '../../client-api/test/support/rooms.js';
import { DB_KINDS, SERVER_NAME, enc, startAdminTestServer, v3, type AdminTestServer } from './support/user-admin-server.js';

describe.each(DB_KINDS)('user admin actions on %s', (kind) => {
  let hs: AdminTestServer;
  beforeAll(async () => {
    hs = await startAdminTestServer(kind);
  });
  afterAll(() => hs.close());

  const whoami = (token: string) => hs.request('GET', v3('/account/whoami'), { token });

  test('deactivate: tokens revoked (401), devices gone, rooms left, login refused; erase clears the profile', async () => {
    const owner = await hs.createUser('owner');
    const dan = await hs.createUser('dan');
    const roomId = await createRoom(hs, owner, { preset: 'public_chat' });
    await joinRoom(hs, dan, roomId);
    await hs.request('PUT', v3(`/profile/${enc(dan.user_id)}/avatar_url`), { token: dan.access_token, body: { avatar_url: 'mxc://test.local/dan' } });

    const reply = await hs.adminRequest('POST', `/v1/deactivate/${enc(dan.user_id)}`, { erase: true });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ id_server_unbind_result: 'success' });

    const old = await whoami(dan.access_token);
    expect([old.status, old.body.errcode]).toEqual([401, 'M_UNKNOWN_TOKEN']);
    expect((await hs.adminRequest('GET', `/v2/users/${enc(dan.user_id)}/devices`)).body).toEqual({ devices: [], total: 0 });
    expect((await hs.login(dan.user_id, dan.password)).status).toBe(403);
    const members = await hs.request<{ chunk: Array<{ state_key: string; content: { membership: string } }> }>(
      'GET',
      v3(`/rooms/${enc(roomId)}/members`),
      { token: owner.access_token },
    );
    expect(members.body.chunk.find((e) => e.state_key === dan.user_id)?.content.membership).toBe('leave');
    const account = await hs.adminRequest('GET', `/v2/users/${enc(dan.user_id)}`);
    expect(account.body).toMatchObject({ deactivated: true, erased: true, displayname: null, avatar_url: null });
    expect((await hs.adminRequest('GET', `/v1/users/${enc(dan.user_id)}/joined_rooms`)).body).toEqual({ joined_rooms: [], total: 0 });
  });

  test('deactivate without erase keeps the profile; an empty body is allowed; unknown 404, remote 400, non-admin 403', async () => {
    const eve = await hs.createUser('eve');
    const reply = await hs.request('POST', `/_synapse/admin/v1/deactivate/${enc(eve.user_id)}`, { token: hs.admin.access_token });
    expect(reply.status).toBe(200);
    expect((await hs.adminRequest('GET', `/v2/users/${enc(eve.user_id)}`)).body).toMatchObject({ deactivated: true, erased: false, displayname: 'eve' });

    const unknown = await hs.adminRequest('POST', `/v1/deactivate/${enc(`@ghost:${SERVER_NAME}`)}`, {});
    expect([unknown.status, unknown.body.errcode]).toEqual([404, 'M_NOT_FOUND']);
    const remote = await hs.adminRequest('POST', `/v1/deactivate/${enc('@eve:elsewhere.example')}`, {});
    expect([remote.status, remote.body.errcode]).toEqual([400, 'M_INVALID_PARAM']);
    const badErase = await hs.adminRequest('POST', `/v1/deactivate/${enc(hs.admin.user_id)}`, { erase: 'yes' });
    expect([badErase.status, badErase.body.errcode]).toEqual([400, 'M_INVALID_PARAM']);
    const frank = await hs.createUser('frank');
    const refused = await hs.adminRequest('POST', `/v1/deactivate/${enc(frank.user_id)}`, {}, frank.access_token);
    expect([refused.status, refused.body.errcode]).toEqual([403, 'M_FORBIDDEN']);
    expect((await whoami(frank.access_token)).status).toBe(200);
  });

  test('reset_password: old tokens 401, new password logs in; logout_devices false keeps sessions', async () => {
    const gail = await hs.createUser('gail');
    const missing = await hs.adminRequest('POST', `/v1/reset_password/${enc(gail.user_id)}`, {});
    expect([missing.status, missing.body.errcode]).toEqual([400, 'M_MISSING_PARAM']);
    expect((await whoami(gail.access_token)).status).toBe(200);

    const kept = await hs.adminRequest('POST', `/v1/reset_password/${enc(gail.user_id)}`, { new_password: 'interim password', logout_devices: false });
    expect(kept.status).toBe(200);
    expect((await whoami(gail.access_token)).status).toBe(200);

    const reset = await hs.adminRequest('POST', `/v1/reset_password/${enc(gail.user_id)}`, { new_password: 'brand new password' });
    expect([reset.status, reset.body]).toEqual([200, {}]);
    const old = await whoami(gail.access_token);
    expect([old.status, old.body.errcode]).toEqual([401, 'M_UNKNOWN_TOKEN']);
    expect((await hs.login(gail.user_id, gail.password)).status).toBe(403);
    expect((await hs.login(gail.user_id, 'brand new password')).status).toBe(200);
    const unknown = await hs.adminRequest('POST', `/v1/reset_password/${enc(`@ghost:${SERVER_NAME}`)}`, { new_password: 'x' });
    expect(unknown.status).toBe(404);
  });

  test('whois lists each device with its last connection', async () => {
    const hal = await hs.createUser('hal');
    await hs.request('GET', v3('/account/whoami'), { token: hal.access_token, headers: { 'User-Agent': 'whois-test-agent' } });
    // Last-seen data is written once the response has finished; wait for it through the admin API itself.
    let body: { user_id: string; devices: Record<string, { sessions: Array<{ connections: Array<Record<string, unknown>> }> }> } | undefined;
    for (let i = 0; i < 50; i++) {
      body = (await hs.adminRequest<NonNullable<typeof body>>('GET', `/v1/whois/${enc(hal.user_id)}`)).body;
      if (body.devices[hal.device_id]!.sessions[0]!.connections.length > 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(body!.user_id).toBe(hal.user_id);
    expect(Object.keys(body!.devices)).toEqual([hal.device_id]);
    expect(body!.devices[hal.device_id]!.sessions[0]!.connections).toEqual([
      { ip: expect.any(String), last_seen: expect.any(Number), user_agent: 'whois-test-agent' },
    ]);
    expect((await hs.adminRequest('GET', `/v1/whois/${enc(`@ghost:${SERVER_NAME}`)}`)).status).toBe(404);
  });

  test('joined_rooms lists the rooms the user is joined to', async () => {
    const ivy = await hs.createUser('ivy');
    const first = await createRoom(hs, ivy);
    const second = await createRoom(hs, ivy);
    const reply = await hs.adminRequest<{ joined_rooms: string[]; total: number }>('GET', `/v1/users/${enc(ivy.user_id)}/joined_rooms`);
    expect(reply.body.total).toBe(2);
    expect([...reply.body.joined_rooms].sort()).toEqual([first, second].sort());
    await hs.request('POST', v3(`/rooms/${enc(first)}/leave`), { token: ivy.access_token, body: {} });
    expect((await hs.adminRequest('GET', `/v1/users/${enc(ivy.user_id)}/joined_rooms`)).body).toEqual({ joined_rooms: [second], total: 1 });
    // Another server's user: the rooms shared with them (none here), never an error.
    expect((await hs.adminRequest('GET', `/v1/users/${enc('@ivy:elsewhere.example')}/joined_rooms`)).body).toEqual({ joined_rooms: [], total: 0 });
    expect((await hs.adminRequest('GET', `/v1/users/${enc(`@ghost:${SERVER_NAME}`)}/joined_rooms`)).status).toBe(404);
  });

  test('username_available: true for a free name, M_USER_IN_USE, M_INVALID_USERNAME, M_MISSING_PARAM', async () => {
    await hs.createUser('taken');
    expect((await hs.adminRequest('GET', '/v1/username_available?username=freename')).body).toEqual({ available: true });
    const taken = await hs.adminRequest('GET', '/v1/username_available?username=taken');
    expect([taken.status, taken.body.errcode]).toEqual([400, 'M_USER_IN_USE']);
    const invalid = await hs.adminRequest('GET', `/v1/username_available?username=${enc('bad name!')}`);
    expect([invalid.status, invalid.body.errcode]).toEqual([400, 'M_INVALID_USERNAME']);
    const missing = await hs.adminRequest('GET', '/v1/username_available');
    expect([missing.status, missing.body.errcode]).toEqual([400, 'M_MISSING_PARAM']);
  });
});

describe.each(DB_KINDS)('admin password setting with password_config.enabled off on %s', (kind) => {
  let hs: AdminTestServer;
  beforeAll(async () => {
    hs = await startAdminTestServer(kind, { yaml: 'password_config:\n  enabled: false\n' });
  });
  afterAll(() => hs.close());

  test('reset_password and PUT with a password are 403 M_FORBIDDEN and change nothing', async () => {
    const olga = await hs.createUser('olga');
    const reset = await hs.adminRequest('POST', `/v1/reset_password/${enc(olga.user_id)}`, { new_password: 'other password' });
    expect([reset.status, reset.body.errcode]).toEqual([403, 'M_FORBIDDEN']);
    const put = await hs.adminRequest('PUT', `/v2/users/${enc(olga.user_id)}`, { password: 'other password' });
    expect([put.status, put.body.errcode]).toEqual([403, 'M_FORBIDDEN']);
    expect((await hs.request('GET', v3('/account/whoami'), { token: olga.access_token })).status).toBe(200);
    expect((await hs.login(olga.user_id, olga.password)).status).toBe(200);
  });
});
