/** GET /profile/{userId}, GET/PUT/DELETE /profile/{userId}/{keyName}. */
import { DB_KINDS, SERVER_NAME, startTestServer, v3, type Credentials, type TestServer } from './support/test-server.js';

describe.each(DB_KINDS)('profiles on %s', (kind) => {
  let hs: TestServer;
  let alice: Credentials;
  let bob: Credentials;
  beforeAll(async () => {
    hs = await startTestServer(kind);
    alice = await hs.createUser('alice');
    bob = await hs.createUser('bob');
  });
  afterAll(() => hs.close());

  const profile = (userId: string, key = '') => v3(`/profile/${encodeURIComponent(userId)}${key ? `/${key}` : ''}`);

  test('a new user has their localpart as display name and no avatar', async () => {
    const res = await hs.request('GET', profile(alice.user_id));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ displayname: 'alice' });
    expect((await hs.request('GET', profile(alice.user_id, 'avatar_url'))).status).toBe(404);
  });

  test('set and read display name and avatar', async () => {
    const put = await hs.request('PUT', profile(alice.user_id, 'displayname'), { token: alice.access_token, body: { displayname: 'Alice A.' } });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({});
    await hs.request('PUT', profile(alice.user_id, 'avatar_url'), { token: alice.access_token, body: { avatar_url: 'mxc://test.local/abc123' } });
    expect((await hs.request('GET', profile(alice.user_id, 'displayname'))).body).toEqual({ displayname: 'Alice A.' });
    expect((await hs.request('GET', profile(alice.user_id))).body).toEqual({ displayname: 'Alice A.', avatar_url: 'mxc://test.local/abc123' });
    // r0 as well.
    expect((await hs.request('GET', `/_matrix/client/r0/profile/${encodeURIComponent(alice.user_id)}/displayname`)).status).toBe(200);
  });

  test('clearing: empty string or DELETE', async () => {
    await hs.request('PUT', profile(bob.user_id, 'avatar_url'), { token: bob.access_token, body: { avatar_url: 'mxc://test.local/x' } });
    await hs.request('PUT', profile(bob.user_id, 'avatar_url'), { token: bob.access_token, body: { avatar_url: '' } });
    expect((await hs.request('GET', profile(bob.user_id, 'avatar_url'))).status).toBe(404);
    expect((await hs.request('DELETE', profile(bob.user_id, 'displayname'), { token: bob.access_token })).status).toBe(200);
    expect((await hs.request('GET', profile(bob.user_id))).body).toEqual({});
  });

  test("changing someone else's profile is 403 M_FORBIDDEN", async () => {
    const res = await hs.request('PUT', profile(alice.user_id, 'displayname'), { token: bob.access_token, body: { displayname: 'pwned' } });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ errcode: 'M_FORBIDDEN' });
    expect((await hs.request('PUT', profile(alice.user_id, 'displayname'), { body: { displayname: 'x' } })).status).toBe(401);
  });

  test('unknown users are 404 M_NOT_FOUND', async () => {
    for (const path of [profile(`@nobody:${SERVER_NAME}`), profile(`@nobody:${SERVER_NAME}`, 'displayname'), profile('@alice:remote.example')]) {
      const res = await hs.request('GET', path);
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ errcode: 'M_NOT_FOUND' });
    }
  });

  test('invalid values and keys', async () => {
    const put = (key: string, body: unknown) => hs.request('PUT', profile(alice.user_id, key), { token: alice.access_token, body });
    expect((await put('displayname', { displayname: 5 })).body).toMatchObject({ errcode: 'M_INVALID_PARAM' });
    expect((await put('displayname', {})).body).toMatchObject({ errcode: 'M_MISSING_PARAM' });
    expect((await put('avatar_url', { avatar_url: 'https://example.com/a.png' })).body).toMatchObject({ errcode: 'M_INVALID_PARAM' });
    expect((await put('Not-A-Key', { 'Not-A-Key': 1 })).body).toMatchObject({ errcode: 'M_INVALID_PARAM' });
    expect((await put(`a.${'b'.repeat(300)}`, {})).body).toMatchObject({ errcode: 'M_KEY_TOO_LARGE' });
    // A well-formed custom field is refused as the capability announces.
    expect((await put('m.tz', { 'm.tz': 'Europe/London' })).status).toBe(403);
  });
});
