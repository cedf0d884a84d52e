/** POST /account/password and /account/deactivate, through UIA m.login.password. */
import { DB_KINDS, SERVER_NAME, startTestServer, v3, type Credentials, type TestServer } from './support/test-server.js';

interface UiaBody {
  flows: Array<{ stages: string[] }>;
  session: string;
  completed?: string[];
  errcode?: string;
  error?: string;
}

describe.each(DB_KINDS)('account management on %s', (kind) => {
  let hs: TestServer;
  beforeAll(async () => {
    hs = await startTestServer(kind);
  });
  afterAll(() => hs.close());

  const login = (user: string, password: string) =>
    hs.request('POST', v3('/login'), { body: { type: 'm.login.password', identifier: { type: 'm.id.user', user }, password } });
  const whoami = (token: string) => hs.request('GET', v3('/account/whoami'), { token });
  const passwordAuth = (who: Credentials, session: string, password = who.password) => ({
    type: 'm.login.password',
    identifier: { type: 'm.id.user', user: who.user_id },
    password,
    session,
  });

  /** Runs one UIA-protected request to completion with the user's password. */
  async function withPassword(method: string, path: string, who: Credentials, body: Record<string, unknown>) {
    const first = await hs.request<UiaBody>(method, path, { token: who.access_token, body });
    expect(first.status).toBe(401);
    expect(first.body.flows).toEqual([{ stages: ['m.login.password'] }]);
    return hs.request(method, path, { token: who.access_token, body: { ...body, auth: passwordAuth(who, first.body.session) } });
  }

  test('password change: wrong password is 401 M_FORBIDDEN with the flows; the right one changes it', async () => {
    const carol = await hs.createUser('carol');
    const first = await hs.request<UiaBody>('POST', v3('/account/password'), { token: carol.access_token, body: { new_password: 'new carol pw' } });
    expect(first.status).toBe(401);
    expect(first.body).not.toHaveProperty('errcode');

    const wrong = await hs.request<UiaBody>('POST', v3('/account/password'), {
      token: carol.access_token,
      body: { new_password: 'new carol pw', auth: passwordAuth(carol, first.body.session, 'wrong') },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ errcode: 'M_FORBIDDEN', session: first.body.session, flows: [{ stages: ['m.login.password'] }] });
    expect(wrong.body.completed ?? []).toEqual([]);

    const right = await hs.request('POST', v3('/account/password'), {
      token: carol.access_token,
      body: { new_password: 'new carol pw', auth: passwordAuth(carol, first.body.session) },
    });
    expect(right.status).toBe(200);
    expect(right.body).toEqual({});
    expect((await login('carol', carol.password)).status).toBe(403);
    expect((await login('carol', 'new carol pw')).status).toBe(200);
  });

  test('password change logs out other devices by default and keeps the current one', async () => {
    const dave = await hs.createUser('dave');
    const other = await login('dave', dave.password);
    expect((await withPassword('POST', v3('/account/password'), dave, { new_password: 'dave new pw' })).status).toBe(200);
    expect((await whoami(dave.access_token)).status).toBe(200);
    expect((await whoami(other.body.access_token as string)).status).toBe(401);
  });

  test('logout_devices: false keeps the other devices', async () => {
    const erin = await hs.createUser('erin');
    const other = await login('erin', erin.password);
    const res = await withPassword('POST', v3('/account/password'), erin, { new_password: 'erin new pw', logout_devices: false });
    expect(res.status).toBe(200);
    expect((await whoami(other.body.access_token as string)).status).toBe(200);
  });

  test('the password stage must name the authenticated user', async () => {
    const frank = await hs.createUser('frank');
    const grace = await hs.createUser('grace');
    const first = await hs.request<UiaBody>('POST', v3('/account/password'), { token: frank.access_token, body: { new_password: 'frank new pw' } });
    // Grace's (correct) credentials cannot authorise Frank's password change.
    const res = await hs.request<UiaBody>('POST', v3('/account/password'), {
      token: frank.access_token,
      body: { new_password: 'frank new pw', auth: passwordAuth(grace, first.body.session) },
    });
    expect(res.status).toBe(401);
    expect(res.body.errcode).toBe('M_FORBIDDEN');
  });

  test('a UIA session is bound to the operation that started it', async () => {
    const heidi = await hs.createUser('heidi');
    const started = await hs.request<UiaBody>('POST', v3('/account/password'), { token: heidi.access_token, body: { new_password: 'heidi new pw' } });
    const hijack = await hs.request('POST', v3('/account/deactivate'), {
      token: heidi.access_token,
      body: { auth: passwordAuth(heidi, started.body.session) },
    });
    expect(hijack.status).toBe(403);
    expect(hijack.body).toMatchObject({ errcode: 'M_FORBIDDEN' });
    expect((await whoami(heidi.access_token)).status).toBe(200);
  });

  test('password change needs new_password and an access token', async () => {
    const ivan = await hs.createUser('ivan');
    expect((await hs.request('POST', v3('/account/password'), { token: ivan.access_token, body: {} })).body).toMatchObject({
      errcode: 'M_MISSING_PARAM',
    });
    expect((await hs.request('POST', v3('/account/password'), { body: { new_password: 'x' } })).body).toMatchObject({
      errcode: 'M_MISSING_TOKEN',
    });
  });

  test('deactivation stops login, revokes tokens and clears the profile', async () => {
    const judy = await hs.createUser('judy');
    const res = await withPassword('POST', v3('/account/deactivate'), judy, { erase: true });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id_server_unbind_result: 'success' });

    expect((await whoami(judy.access_token)).status).toBe(401);
    const again = await login('judy', judy.password);
    expect(again.status).toBe(403);
    expect(again.body).toMatchObject({ errcode: 'M_USER_DEACTIVATED' });
    // Without the password nothing reveals that the account is deactivated.
    expect((await login('judy', 'guess')).body).toMatchObject({ errcode: 'M_FORBIDDEN' });
    expect((await hs.request('GET', v3(`/profile/@judy:${SERVER_NAME}`))).body).toEqual({});
    const row = await hs.db.query<{ deactivated: boolean; erased: boolean }>('SELECT deactivated, erased FROM users WHERE user_id = $1', [judy.user_id]);
    expect(row.rows[0]).toEqual({ deactivated: true, erased: true });
    // The username stays taken.
    expect((await hs.request('GET', v3('/register/available?username=judy'))).body).toMatchObject({ errcode: 'M_USER_IN_USE' });
  });
});
