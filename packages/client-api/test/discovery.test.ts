/** /versions, /.well-known/matrix/{client,server}, /capabilities. */
import { DB_KINDS, startTestServer, v3, type TestServer } from './support/test-server.js';

describe.each(DB_KINDS)('discovery on %s', (kind) => {
  let hs: TestServer;
  beforeAll(async () => {
    hs = await startTestServer(kind, { yaml: 'default_room_version: "10"\n' });
  });
  afterAll(() => hs.close());

  test('GET /_matrix/client/versions lists v1.1 to v1.19 and needs no auth', async () => {
    const res = await hs.request<{ versions: string[]; unstable_features: Record<string, boolean> }>('GET', '/_matrix/client/versions');
    expect(res.status).toBe(200);
    for (let minor = 1; minor <= 19; minor++) expect(res.body.versions).toContain(`v1.${minor}`);
    expect(res.body.versions).toContain('r0.6.1');
    expect(typeof res.body.unstable_features).toBe('object');
  });

  test('/.well-known/matrix/client points at public_baseurl, with CORS', async () => {
    const res = await hs.request('GET', '/.well-known/matrix/client');
    expect(res.body).toEqual({ 'm.homeserver': { base_url: 'https://matrix.test.local/' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });

  test('/.well-known/matrix/server is not served unless configured', async () => {
    expect((await hs.request('GET', '/.well-known/matrix/server')).status).toBe(404);
  });

  test('/capabilities needs auth and describes the server', async () => {
    expect((await hs.request('GET', v3('/capabilities'))).status).toBe(401);
    const alice = await hs.createUser('alice');
    const res = await hs.request<{ capabilities: Record<string, Record<string, unknown>> }>('GET', v3('/capabilities'), { token: alice.access_token });
    const caps = res.body.capabilities;
    expect(caps['m.change_password']).toEqual({ enabled: true });
    expect(caps['m.room_versions']!.default).toBe('10');
    expect(caps['m.room_versions']!.available).toMatchObject({ '1': 'stable', '10': 'stable', '12': 'stable' });
    expect(caps['m.set_displayname']).toEqual({ enabled: true });
    expect(caps['m.set_avatar_url']).toEqual({ enabled: true });
    expect(caps['m.3pid_changes']).toEqual({ enabled: false });
    expect(caps['m.get_login_token']).toEqual({ enabled: false });
  });
});

describe.each(DB_KINDS)('server well-known on %s', (kind) => {
  let hs: TestServer;
  beforeAll(async () => {
    hs = await startTestServer(kind, { yaml: 'serve_server_wellknown: true\npassword_config:\n  enabled: false\n' });
  });
  afterAll(() => hs.close());

  test('/.well-known/matrix/server names public_baseurl host and port 443', async () => {
    expect((await hs.request('GET', '/.well-known/matrix/server')).body).toEqual({ 'm.server': 'matrix.test.local:443' });
  });

  test('with password changes disabled, the capability says so and the endpoint refuses', async () => {
    const alice = await hs.createUser('alice');
    const caps = await hs.request<{ capabilities: Record<string, unknown> }>('GET', v3('/capabilities'), { token: alice.access_token });
    expect(caps.body.capabilities['m.change_password']).toEqual({ enabled: false });
    const res = await hs.request('POST', v3('/account/password'), { token: alice.access_token, body: { new_password: 'whatever pw' } });
    expect(res.status).toBe(403);
  });
});
