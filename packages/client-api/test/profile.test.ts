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
    expect((await put('m.tz', { 'm.tz': 5 })).body).toMatchObject({ errcode: 'M_INVALID_PARAM' });
    expect((await put('org.example.x', { other: 1 })).body).toMatchObject({ errcode: 'M_MISSING_PARAM' });
    expect((await put('org.example.x', '[1]' as unknown)).status).toBe(400);
    expect((await hs.request('GET', profile(alice.user_id, 'org.example.x'))).status).toBe(404);
    // Someone else's custom fields are theirs alone.
    const foreign = await hs.request('PUT', profile(alice.user_id, 'org.example.x'), { token: bob.access_token, body: { 'org.example.x': 1 } });
    expect(foreign.body).toMatchObject({ errcode: 'M_FORBIDDEN' });
  });

  test('custom fields (v1.16): m.tz and namespaced keys hold any JSON, appear in the profile, and can be deleted', async () => {
    const carol = await hs.createUser('carol');
    const put = (key: string, value: unknown) => hs.request('PUT', profile(carol.user_id, key), { token: carol.access_token, body: { [key]: value } });
    expect((await put('m.tz', 'Europe/London')).status).toBe(200);
    expect((await put('org.example.pronouns', { en: ['they', 'them'], n: 2.5, ok: true })).status).toBe(200);
    expect((await put('org.example.nothing', null)).status).toBe(200);
    expect((await hs.request('GET', profile(carol.user_id))).body).toEqual({
      displayname: 'carol',
      'm.tz': 'Europe/London',
      'org.example.pronouns': { en: ['they', 'them'], n: 2.5, ok: true },
      'org.example.nothing': null,
    });
    expect((await hs.request('GET', profile(carol.user_id, 'org.example.pronouns'))).body).toEqual({
      'org.example.pronouns': { en: ['they', 'them'], n: 2.5, ok: true },
    });
    // null is stored, not a deletion (the spec's SHOULD).
    expect((await hs.request('GET', profile(carol.user_id, 'org.example.nothing'))).body).toEqual({ 'org.example.nothing': null });
    expect((await put('m.tz', 'America/New_York')).status).toBe(200);
    expect((await hs.request('GET', profile(carol.user_id, 'm.tz'))).body).toEqual({ 'm.tz': 'America/New_York' });

    const del = await hs.request('DELETE', profile(carol.user_id, 'org.example.pronouns'), { token: carol.access_token });
    expect(del.status).toBe(200);
    expect((await hs.request('GET', profile(carol.user_id, 'org.example.pronouns'))).status).toBe(404);
    // Deleting an absent field is fine.
    expect((await hs.request('DELETE', profile(carol.user_id, 'org.example.never'), { token: carol.access_token })).status).toBe(200);

    const caps = await hs.request<{ capabilities: Record<string, unknown> }>('GET', v3('/capabilities'), { token: carol.access_token });
    expect(caps.body.capabilities['m.profile_fields']).toEqual({ enabled: true });
  });

  test('the whole profile stays under 64 KiB: M_PROFILE_TOO_LARGE, nothing stored', async () => {
    const dan = await hs.createUser('dan');
    // Request bodies are capped at 4 KiB on this test server, so fill the profile in pieces.
    const chunk = 'x'.repeat(3900);
    let status = 200;
    let n = 0;
    let last: Record<string, unknown> = {};
    while (status === 200) {
      const key = `org.example.f${n++}`;
      const res = await hs.request('PUT', profile(dan.user_id, key), { token: dan.access_token, body: { [key]: chunk } });
      status = res.status;
      last = res.body;
    }
    expect(status).toBe(400);
    expect(last).toMatchObject({ errcode: 'M_PROFILE_TOO_LARGE' });
    expect(n).toBe(17);
    const whole = (await hs.request('GET', profile(dan.user_id))).body;
    expect(Object.keys(whole)).toHaveLength(16 + 1);
    expect(whole).not.toHaveProperty(`org.example.f${n - 1}`);
    expect(Buffer.byteLength(JSON.stringify(whole))).toBeLessThan(64 * 1024);
    // Smaller values still fit, and deleting makes room again.
    expect((await hs.request('DELETE', profile(dan.user_id, 'org.example.f0'), { token: dan.access_token })).status).toBe(200);
    const again = await hs.request('PUT', profile(dan.user_id, 'org.example.f16'), { token: dan.access_token, body: { 'org.example.f16': chunk } });
    expect(again.status).toBe(200);
  });

  test('deactivation with erase clears custom fields too', async () => {
    const erin = await hs.createUser('erin');
    await hs.request('PUT', profile(erin.user_id, 'm.tz'), { token: erin.access_token, body: { 'm.tz': 'Europe/Paris' } });
    const first = await hs.request<{ session: string }>('POST', v3('/account/deactivate'), { token: erin.access_token, body: { erase: true } });
    const auth = { type: 'm.login.password', identifier: { type: 'm.id.user', user: erin.user_id }, password: erin.password, session: first.body.session };
    expect((await hs.request('POST', v3('/account/deactivate'), { token: erin.access_token, body: { erase: true, auth } })).status).toBe(200);
    expect((await hs.request('GET', profile(erin.user_id))).body).toEqual({});
  });
});
