/** POST /register (UIA m.login.dummy), GET /register/available. */
import { DB_KINDS, SERVER_NAME, startTestServer, v3, type Reply, type TestServer } from './support/test-server.js';

interface UiaBody {
  flows: Array<{ stages: string[] }>;
  session: string;
  completed?: string[];
  errcode?: string;
}

describe.each(DB_KINDS)('registration on %s', (kind) => {
  let hs: TestServer;
  beforeAll(async () => {
    hs = await startTestServer(kind, { yaml: 'password_config:\n  minimum_length: 8\n' });
  });
  afterAll(() => hs.close());

  async function register(body: Record<string, unknown>, query = ''): Promise<Reply> {
    const first = await hs.request('POST', v3(`/register${query}`), { body });
    if (first.status !== 401) return first;
    return hs.request('POST', v3(`/register${query}`), { body: { ...body, auth: { type: 'm.login.dummy', session: first.body.session } } });
  }

  test('UIA round trip: 401 with flows and session, then m.login.dummy registers and logs in', async () => {
    const first = await hs.request<UiaBody>('POST', v3('/register'), { body: { username: 'alice', password: 'alice password' } });
    expect(first.status).toBe(401);
    expect(first.body.flows).toEqual([{ stages: ['m.login.dummy'] }]);
    expect(typeof first.body.session).toBe('string');
    expect(first.body).not.toHaveProperty('errcode');

    const done = await hs.request('POST', v3('/register'), {
      body: { username: 'alice', password: 'alice password', auth: { type: 'm.login.dummy', session: first.body.session } },
    });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ user_id: `@alice:${SERVER_NAME}`, home_server: SERVER_NAME });
    expect(typeof done.body.access_token).toBe('string');
    expect(typeof done.body.device_id).toBe('string');
    expect(done.body).not.toHaveProperty('refresh_token');
    expect(done.body).not.toHaveProperty('expires_in_ms');

    const whoami = await hs.request('GET', v3('/account/whoami'), { token: done.body.access_token as string });
    expect(whoami.body).toEqual({ user_id: `@alice:${SERVER_NAME}`, device_id: done.body.device_id, is_guest: false });
    // The finished session cannot authorise a second registration.
    const replay = await hs.request('POST', v3('/register'), {
      body: { username: 'alice2', password: 'alice password', auth: { type: 'm.login.dummy', session: first.body.session } },
    });
    expect(replay.status).toBe(400);
  });

  test('an empty first request (how Element discovers flows) gets the flows', async () => {
    const first = await hs.request<UiaBody>('POST', v3('/register'), { body: {} });
    expect(first.status).toBe(401);
    expect(first.body.flows[0]!.stages).toContain('m.login.dummy');
  });

  test('dummy auth without a session starts and completes one in a single request', async () => {
    const res = await hs.request('POST', v3('/register'), {
      body: { username: 'nosession', password: 'long enough pw', auth: { type: 'm.login.dummy' } },
    });
    expect(res.status).toBe(200);
    expect(res.body.user_id).toBe(`@nosession:${SERVER_NAME}`);
  });

  test('upper-case usernames map to lower case; taken usernames are M_USER_IN_USE before UIA', async () => {
    const res = await register({ username: 'BobSmith', password: 'bob password' });
    expect(res.body.user_id).toBe(`@bobsmith:${SERVER_NAME}`);
    const again = await hs.request('POST', v3('/register'), { body: { username: 'bobsmith', password: 'bob password' } });
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ errcode: 'M_USER_IN_USE' });
    const differentCase = await hs.request('POST', v3('/register'), { body: { username: 'BOBSMITH', password: 'bob password' } });
    expect(differentCase.body).toMatchObject({ errcode: 'M_USER_IN_USE' });
  });

  test.each([['with space'], ['émile'], ['_reserved'], ['12345'], ['a:b'], [''], ['x'.repeat(250)]])(
    'invalid username %j is M_INVALID_USERNAME before UIA',
    async (username) => {
      const res = await hs.request('POST', v3('/register'), { body: { username, password: 'long enough pw' } });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ errcode: 'M_INVALID_USERNAME' });
    },
  );

  test('without a username a valid one is generated', async () => {
    const res = await register({ password: 'generated user pw' });
    expect(res.status).toBe(200);
    expect(res.body.user_id).toMatch(new RegExp(`^@[a-z0-9._=\\-/+]+:${SERVER_NAME.replace('.', '\\.')}$`));
  });

  test('inhibit_login registers without a device or token', async () => {
    const res = await register({ username: 'quiet', password: 'quiet password', inhibit_login: true });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ user_id: `@quiet:${SERVER_NAME}`, home_server: SERVER_NAME });
    const devices = await hs.db.query('SELECT 1 FROM devices WHERE user_id = $1', [`@quiet:${SERVER_NAME}`]);
    expect(devices.rows).toHaveLength(0);
  });

  test('device_id, initial_device_display_name and refresh_token are honoured', async () => {
    const res = await register({
      username: 'carol',
      password: 'carol password',
      device_id: 'CAROLPHONE',
      initial_device_display_name: 'Carol phone',
      refresh_token: true,
    });
    expect(res.body).toMatchObject({ device_id: 'CAROLPHONE', expires_in_ms: 300000 });
    expect(typeof res.body.refresh_token).toBe('string');
    const device = await hs.request('GET', v3('/devices/CAROLPHONE'), { token: res.body.access_token as string });
    expect(device.body).toMatchObject({ device_id: 'CAROLPHONE', display_name: 'Carol phone' });
  });

  test('a password is required once auth is done; short ones are M_WEAK_PASSWORD', async () => {
    const noPassword = await register({ username: 'nopass' });
    expect(noPassword.status).toBe(400);
    expect(noPassword.body).toMatchObject({ errcode: 'M_MISSING_PARAM' });
    const weak = await hs.request('POST', v3('/register'), { body: { username: 'weak', password: 'short' } });
    expect(weak.status).toBe(400);
    expect(weak.body).toMatchObject({ errcode: 'M_WEAK_PASSWORD' });
  });

  test('guest registration is refused with 403 M_FORBIDDEN; unknown kinds are 400', async () => {
    const guest = await hs.request('POST', v3('/register?kind=guest'), { body: {} });
    expect(guest.status).toBe(403);
    expect(guest.body).toMatchObject({ errcode: 'M_FORBIDDEN' });
    expect((await hs.request('POST', v3('/register?kind=admin'), { body: {} })).status).toBe(400);
  });

  test('a UIA stage that is not offered is refused with 401, the flows and an errcode', async () => {
    const res = await hs.request<UiaBody>('POST', v3('/register'), {
      body: { username: 'sneaky', password: 'sneaky password', auth: { type: 'm.login.password', password: 'x' } },
    });
    expect(res.status).toBe(401);
    expect(res.body.errcode).toBe('M_FORBIDDEN');
    expect(res.body.flows).toEqual([{ stages: ['m.login.dummy'] }]);
  });

  test('an unknown UIA session is refused', async () => {
    const res = await hs.request('POST', v3('/register'), {
      body: { username: 'lost', password: 'lost password', auth: { type: 'm.login.dummy', session: 'nope' } },
    });
    expect(res.status).toBe(400);
  });

  test('/register/available', async () => {
    expect((await hs.request('GET', v3('/register/available?username=freename'))).body).toEqual({ available: true });
    const taken = await hs.request('GET', v3('/register/available?username=alice'));
    expect(taken.status).toBe(400);
    expect(taken.body).toMatchObject({ errcode: 'M_USER_IN_USE' });
    const invalid = await hs.request('GET', v3('/register/available?username=no%20spaces'));
    expect(invalid.body).toMatchObject({ errcode: 'M_INVALID_USERNAME' });
    expect((await hs.request('GET', v3('/register/available'))).body).toMatchObject({ errcode: 'M_MISSING_PARAM' });
  });

  test('the r0 prefix serves the same endpoint', async () => {
    const res = await hs.request<UiaBody>('POST', '/_matrix/client/r0/register', { body: {} });
    expect(res.status).toBe(401);
    expect(res.body.flows).toBeDefined();
  });
});

describe.each(DB_KINDS)('registration disabled on %s', (kind) => {
  let hs: TestServer;
  beforeAll(async () => {
    hs = await startTestServer(kind, { config: { enable_registration: false } });
  });
  afterAll(() => hs.close());

  test('POST /register and /register/available are 403 M_FORBIDDEN', async () => {
    const res = await hs.request('POST', v3('/register'), { body: { username: 'mallory', password: 'pw', auth: { type: 'm.login.dummy' } } });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ errcode: 'M_FORBIDDEN' });
    expect((await hs.request('GET', v3('/register/available?username=mallory'))).status).toBe(403);
    expect((await hs.db.query('SELECT 1 FROM users')).rows).toHaveLength(0);
  });
});
