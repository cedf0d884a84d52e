/** POST /_matrix/client/v1/login/get_token and m.login.token login (login_token.yaml, spec "Login"). */
import { DB_KINDS, startTestServer, v3, type Credentials, type TestServer } from './support/test-server.js';

const GET_TOKEN = '/_matrix/client/v1/login/get_token';

interface TokenReply {
  login_token: string;
  expires_in_ms: number;
}

describe.each(DB_KINDS)('login tokens on %s', (kind) => {
  let hs: TestServer;
  beforeAll(async () => {
    hs = await startTestServer(kind, { yaml: 'allow_guest_access: true\nlogin_via_existing_session:\n  enabled: true\n  token_timeout: 2m\n' });
  });
  afterAll(() => hs.close());

  /** The UIA round trip with the user's password. */
  async function getToken(user: Credentials) {
    const first = await hs.request<{ session: string; flows: unknown }>('POST', GET_TOKEN, { token: user.access_token, body: {} });
    expect(first.status).toBe(401);
    expect(first.body.flows).toEqual([{ stages: ['m.login.password'] }]);
    const auth = { type: 'm.login.password', identifier: { type: 'm.id.user', user: user.user_id }, password: user.password, session: first.body.session };
    return hs.request<TokenReply>('POST', GET_TOKEN, { token: user.access_token, body: { auth } });
  }

  const tokenLogin = (token: unknown, extra: Record<string, unknown> = {}) =>
    hs.request('POST', v3('/login'), { body: { type: 'm.login.token', token, ...extra } });

  test('advertised in GET /login and the capability', async () => {
    const flows = await hs.request('GET', v3('/login'));
    expect(flows.body.flows).toEqual([{ type: 'm.login.password' }, { type: 'm.login.token', get_login_token: true }]);
    const user = await hs.createUser('capable');
    const caps = await hs.request<{ capabilities: Record<string, unknown> }>('GET', v3('/capabilities'), { token: user.access_token });
    expect(caps.body.capabilities['m.get_login_token']).toEqual({ enabled: true });
  });

  test('UIA-protected token logs a new device in once', async () => {
    const alice = await hs.createUser('alice');
    const reply = await getToken(alice);
    expect(reply.status).toBe(200);
    expect(reply.body.expires_in_ms).toBe(120_000);
    expect(typeof reply.body.login_token).toBe('string');

    const login = await tokenLogin(reply.body.login_token, { initial_device_display_name: 'TV' });
    expect(login.status).toBe(200);
    expect(login.body.user_id).toBe(alice.user_id);
    expect(login.body.device_id).not.toBe(alice.device_id);
    const whoami = await hs.request('GET', v3('/account/whoami'), { token: login.body.access_token as string });
    expect(whoami.body).toMatchObject({ user_id: alice.user_id, device_id: login.body.device_id });

    const reuse = await tokenLogin(reply.body.login_token);
    expect(reuse.status).toBe(403);
    expect(reuse.body).toMatchObject({ errcode: 'M_FORBIDDEN' });
  });

  test('wrong password in UIA, rate limit of one token a minute', async () => {
    const bob = await hs.createUser('bob');
    const first = await hs.request<{ session: string }>('POST', GET_TOKEN, { token: bob.access_token, body: {} });
    const wrong = await hs.request('POST', GET_TOKEN, {
      token: bob.access_token,
      body: { auth: { type: 'm.login.password', identifier: { type: 'm.id.user', user: bob.user_id }, password: 'nope', session: first.body.session } },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ errcode: 'M_FORBIDDEN' });
    // A failed attempt did not use up the allowance.
    expect((await getToken(bob)).status).toBe(200);
    const limited = await hs.request('POST', GET_TOKEN, { token: bob.access_token, body: {} });
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ errcode: 'M_LIMIT_EXCEEDED' });
  });

  test('bad tokens: unknown, expired, missing, wrong type; guests and anonymous callers refused', async () => {
    expect((await tokenLogin('latl_unknown')).body).toMatchObject({ errcode: 'M_FORBIDDEN' });
    expect((await tokenLogin(undefined)).body).toMatchObject({ errcode: 'M_MISSING_PARAM' });
    expect((await tokenLogin(42)).body).toMatchObject({ errcode: 'M_INVALID_PARAM' });

    const carol = await hs.createUser('carol');
    const reply = await getToken(carol);
    await hs.db.query('UPDATE login_tokens SET expires_ts = $1', [Date.now() - 1]);
    expect((await tokenLogin(reply.body.login_token)).status).toBe(403);

    expect((await hs.request('POST', GET_TOKEN, { body: {} })).status).toBe(401);
    const guest = await hs.request<{ access_token: string }>('POST', v3('/register?kind=guest'), { body: {} });
    const byGuest = await hs.request('POST', GET_TOKEN, { token: guest.body.access_token, body: {} });
    expect(byGuest.body).toMatchObject({ errcode: 'M_GUEST_ACCESS_FORBIDDEN' });
  });

  test('a deactivated account cannot redeem its token', async () => {
    const dave = await hs.createUser('dave');
    const reply = await getToken(dave);
    await hs.db.query('UPDATE users SET deactivated = TRUE WHERE user_id = $1', [dave.user_id]);
    expect((await tokenLogin(reply.body.login_token)).body).toMatchObject({ errcode: 'M_USER_DEACTIVATED' });
  });
});

describe('login tokens disabled (the default)', () => {
  let hs: TestServer;
  beforeAll(async () => {
    hs = await startTestServer('pglite');
  });
  afterAll(() => hs.close());

  test('no endpoint, no login flow, capability off, m.login.token unknown', async () => {
    const user = await hs.createUser('alice');
    const res = await hs.request('POST', GET_TOKEN, { token: user.access_token, body: {} });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ errcode: 'M_UNRECOGNIZED' });
    expect((await hs.request('GET', v3('/login'))).body).toEqual({ flows: [{ type: 'm.login.password' }] });
    const caps = await hs.request<{ capabilities: Record<string, unknown> }>('GET', v3('/capabilities'), { token: user.access_token });
    expect(caps.body.capabilities['m.get_login_token']).toEqual({ enabled: false });
    const login = await hs.request('POST', v3('/login'), { body: { type: 'm.login.token', token: 'x' } });
    expect(login.status).toBe(400);
    expect(login.body).toMatchObject({ errcode: 'M_UNKNOWN' });
  });
});

describe('login tokens without UIA (require_ui_auth: false)', () => {
  let hs: TestServer;
  beforeAll(async () => {
    hs = await startTestServer('pglite', { yaml: 'login_via_existing_session:\n  enabled: true\n  require_ui_auth: false\n' });
  });
  afterAll(() => hs.close());

  test('the token is issued straight away, with the default 5 minute lifetime', async () => {
    const user = await hs.createUser('alice');
    const res = await hs.request<TokenReply>('POST', GET_TOKEN, { token: user.access_token, body: {} });
    expect(res.status).toBe(200);
    expect(res.body.expires_in_ms).toBe(300_000);
    expect((await hs.request('POST', v3('/login'), { body: { type: 'm.login.token', token: res.body.login_token } })).body.user_id).toBe(user.user_id);
  });
});
