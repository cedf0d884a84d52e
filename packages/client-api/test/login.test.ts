/** GET/POST /login, /logout, /logout/all, /account/whoami, /refresh and soft logout. */
import { getUser, hashPassword, passwordHashParams, replacePasswordHash, setPasswordHash } from '@lattice/client-api';
import { DB_KINDS, SERVER_NAME, startTestServer, v3, type Credentials, type TestServer } from './support/test-server.js';

describe.each(DB_KINDS)('login and sessions on %s', (kind) => {
  let hs: TestServer;
  let alice: Credentials;
  beforeAll(async () => {
    hs = await startTestServer(kind);
    alice = await hs.createUser('alice');
  });
  afterAll(() => hs.close());

  const login = (body: Record<string, unknown>) => hs.request('POST', v3('/login'), { body });
  const passwordLogin = (user: string, password: string, extra: Record<string, unknown> = {}) =>
    login({ type: 'm.login.password', identifier: { type: 'm.id.user', user }, password, ...extra });

  test('GET /login lists m.login.password', async () => {
    const res = await hs.request('GET', v3('/login'));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ flows: [{ type: 'm.login.password' }] });
  });

  test('password login with a localpart, a full user id, and the legacy `user` field', async () => {
    for (const res of [
      await passwordLogin('alice', alice.password),
      await passwordLogin(`@alice:${SERVER_NAME}`, alice.password),
      await passwordLogin('ALICE', alice.password),
      await login({ type: 'm.login.password', user: 'alice', password: alice.password }),
    ]) {
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ user_id: alice.user_id, home_server: SERVER_NAME });
      expect(res.body.well_known).toEqual({ 'm.homeserver': { base_url: 'https://matrix.test.local/' } });
      expect(typeof res.body.access_token).toBe('string');
      expect(typeof res.body.device_id).toBe('string');
    }
  });

  test('wrong password, unknown user and foreign server all give the same 403 M_FORBIDDEN', async () => {
    const wrong = await passwordLogin('alice', 'not the password');
    const unknown = await passwordLogin('nobody', 'whatever');
    const foreign = await passwordLogin('@alice:elsewhere.example', alice.password);
    const thirdParty = await login({ type: 'm.login.password', identifier: { type: 'm.id.thirdparty', medium: 'email', address: 'a@b.c' }, password: 'x' });
    for (const res of [wrong, unknown, foreign, thirdParty]) {
      expect(res.status).toBe(403);
      expect(res.body).toEqual(wrong.body);
    }
    expect(wrong.body.errcode).toBe('M_FORBIDDEN');
  });

  test('a password stored at another scrypt cost is rehashed at the configured one by the next password login', async () => {
    const carol = await hs.createUser('carol_rehash');
    const configured = passwordHashParams(hs.ctx.config);
    const older = { ...configured, ln: configured.ln + 1 };
    const stored = await hashPassword(carol.password, older);
    await setPasswordHash(hs.db, carol.user_id, stored);

    expect((await passwordLogin('carol_rehash', 'not the password')).status).toBe(403);
    expect((await getUser(hs.db, carol.user_id))?.passwordHash).toBe(stored);

    expect((await passwordLogin('carol_rehash', carol.password)).status).toBe(200);
    const rehashed = (await getUser(hs.db, carol.user_id))!.passwordHash!;
    expect(rehashed).toMatch(new RegExp(`^\\$scrypt\\$ln=${configured.ln},r=8,p=1\\$`));
    expect((await passwordLogin('carol_rehash', carol.password)).status).toBe(200);
    expect((await getUser(hs.db, carol.user_id))?.passwordHash).toBe(rehashed);
  });

  test('the rehash never overwrites a password changed since the login read the old hash', async () => {
    const dave = await hs.createUser('dave_rehash');
    const before = (await getUser(hs.db, dave.user_id))!.passwordHash!;
    const changed = await hashPassword('a new password', passwordHashParams(hs.ctx.config));
    await setPasswordHash(hs.db, dave.user_id, changed);
    expect(await replacePasswordHash(hs.db, dave.user_id, before, await hashPassword(dave.password, passwordHashParams(hs.ctx.config)))).toBe(false);
    expect((await getUser(hs.db, dave.user_id))?.passwordHash).toBe(changed);
  });

  test('unknown login types are 400 M_UNKNOWN', async () => {
    const res = await login({ type: 'm.login.token', token: 'abc' });
    expect(res.status).toBe(400);
    expect(res.body.errcode).toBe('M_UNKNOWN');
  });

  test('initial_device_display_name names a new device; reusing a device id revokes its old token', async () => {
    const first = await passwordLogin('alice', alice.password, { device_id: 'ALICELAPTOP', initial_device_display_name: 'Laptop' });
    expect(first.body.device_id).toBe('ALICELAPTOP');
    const second = await passwordLogin('alice', alice.password, { device_id: 'ALICELAPTOP', initial_device_display_name: 'Ignored' });
    expect(second.body.device_id).toBe('ALICELAPTOP');

    const old = await hs.request('GET', v3('/account/whoami'), { token: first.body.access_token as string });
    expect(old.status).toBe(401);
    expect(old.body).toMatchObject({ errcode: 'M_UNKNOWN_TOKEN' });
    const device = await hs.request('GET', v3('/devices/ALICELAPTOP'), { token: second.body.access_token as string });
    expect(device.body).toMatchObject({ display_name: 'Laptop' });
  });

  test('whoami reports user, device and is_guest', async () => {
    const res = await hs.request('GET', v3('/account/whoami'), { token: alice.access_token });
    expect(res.body).toEqual({ user_id: alice.user_id, device_id: alice.device_id, is_guest: false });
    expect((await hs.request('GET', '/_matrix/client/r0/account/whoami', { token: alice.access_token })).status).toBe(200);
  });

  test('logout deletes the device and its token; other devices are untouched', async () => {
    const a = await passwordLogin('alice', alice.password);
    const b = await passwordLogin('alice', alice.password);
    // Clients may send no body at all.
    const out = await hs.request('POST', v3('/logout'), { token: a.body.access_token as string });
    expect(out.status).toBe(200);
    expect(out.body).toEqual({});
    expect((await hs.request('GET', v3('/account/whoami'), { token: a.body.access_token as string })).body).toMatchObject({
      errcode: 'M_UNKNOWN_TOKEN',
      soft_logout: false,
    });
    expect((await hs.request('GET', v3('/account/whoami'), { token: b.body.access_token as string })).status).toBe(200);
    const devices = await hs.request<{ devices: Array<{ device_id: string }> }>('GET', v3('/devices'), { token: b.body.access_token as string });
    expect(devices.body.devices.map((d) => d.device_id)).not.toContain(a.body.device_id);
  });

  test('logout/all revokes every token of the user', async () => {
    const bob = await hs.createUser('bob');
    const second = await passwordLogin('bob', bob.password);
    expect((await hs.request('POST', v3('/logout/all'), { token: bob.access_token, body: {} })).status).toBe(200);
    for (const token of [bob.access_token, second.body.access_token as string]) {
      expect((await hs.request('GET', v3('/account/whoami'), { token })).status).toBe(401);
    }
    expect((await hs.db.query('SELECT 1 FROM devices WHERE user_id = $1', [bob.user_id])).rows).toHaveLength(0);
  });

  describe('refresh tokens', () => {
    const refresh = (token: string) => hs.request('POST', v3('/refresh'), { body: { refresh_token: token } });
    const whoami = (token: string) => hs.request('GET', v3('/account/whoami'), { token });

    test('login with refresh_token: true returns a refresh token and an expiry', async () => {
      const res = await passwordLogin('alice', alice.password, { refresh_token: true });
      expect(typeof res.body.refresh_token).toBe('string');
      expect(res.body.expires_in_ms).toBe(300000);
    });

    test('rotation: the old refresh token works until the new access token is used', async () => {
      const session = await passwordLogin('alice', alice.password, { refresh_token: true });
      const r1 = session.body.refresh_token as string;

      const first = await refresh(r1);
      expect(first.status).toBe(200);
      expect(first.body.refresh_token).not.toBe(r1);
      expect(first.body.access_token).not.toBe(session.body.access_token);
      // The client "lost" that answer: the same refresh token still works once more…
      const retry = await refresh(r1);
      expect(retry.status).toBe(200);
      // …and the pair from the lost answer is gone.
      expect((await whoami(first.body.access_token as string)).status).toBe(401);
      expect((await refresh(first.body.refresh_token as string)).status).toBe(401);

      // Using the new access token revokes the old refresh token.
      const used = await whoami(retry.body.access_token as string);
      expect(used.body).toMatchObject({ user_id: alice.user_id, device_id: session.body.device_id });
      const stale = await refresh(r1);
      expect(stale.status).toBe(401);
      expect(stale.body).toMatchObject({ errcode: 'M_UNKNOWN_TOKEN' });

      // The newest refresh token continues the chain, on the same device.
      const next = await refresh(retry.body.refresh_token as string);
      expect(next.status).toBe(200);
      expect((await whoami(next.body.access_token as string)).body).toMatchObject({ device_id: session.body.device_id });
    });

    test('using the new refresh token also revokes the old one', async () => {
      const session = await passwordLogin('alice', alice.password, { refresh_token: true });
      const r1 = session.body.refresh_token as string;
      const r2 = (await refresh(r1)).body.refresh_token as string;
      expect((await refresh(r2)).status).toBe(200);
      expect((await refresh(r1)).status).toBe(401);
    });

    test('an expired access token is M_UNKNOWN_TOKEN with soft_logout: true, and refreshing recovers', async () => {
      const session = await passwordLogin('alice', alice.password, { refresh_token: true });
      await hs.db.query('UPDATE access_tokens SET expires_ts = 1 WHERE device_id = $1', [session.body.device_id]);
      const expired = await whoami(session.body.access_token as string);
      expect(expired.status).toBe(401);
      expect(expired.body).toMatchObject({ errcode: 'M_UNKNOWN_TOKEN', soft_logout: true });
      const renewed = await refresh(session.body.refresh_token as string);
      expect((await whoami(renewed.body.access_token as string)).status).toBe(200);
    });

    test('an expired refresh token is refused with soft_logout: true; unknown ones without', async () => {
      const session = await passwordLogin('alice', alice.password, { refresh_token: true });
      await hs.db.query('UPDATE refresh_tokens SET expires_ts = 1 WHERE device_id = $1', [session.body.device_id]);
      expect((await refresh(session.body.refresh_token as string)).body).toMatchObject({ errcode: 'M_UNKNOWN_TOKEN', soft_logout: true });
      expect((await refresh('latr_unknown')).body).toMatchObject({ errcode: 'M_UNKNOWN_TOKEN', soft_logout: false });
      expect((await hs.request('POST', v3('/refresh'), { body: {} })).body).toMatchObject({ errcode: 'M_MISSING_PARAM' });
    });

    test('tokens are stored hashed', async () => {
      const session = await passwordLogin('alice', alice.password, { refresh_token: true });
      const access = await hs.db.query('SELECT 1 FROM access_tokens WHERE token_hash = $1', [session.body.access_token]);
      const refreshRow = await hs.db.query('SELECT 1 FROM refresh_tokens WHERE token_hash = $1', [session.body.refresh_token]);
      expect([...access.rows, ...refreshRow.rows]).toHaveLength(0);
    });
  });

  test('successful authenticated requests record the device as last seen', async () => {
    const session = await passwordLogin('alice', alice.password, { device_id: 'SEENDEVICE' });
    await hs.request('GET', v3('/account/whoami'), { token: session.body.access_token as string, headers: { 'User-Agent': 'lattice-test' } });
    // Recorded after the response; poll briefly.
    let row: { last_seen_ts: unknown; last_seen_user_agent: unknown } | undefined;
    for (let i = 0; i < 50 && !row?.last_seen_ts; i++) {
      await new Promise((r) => setTimeout(r, 20));
      row = (await hs.db.query<typeof row & object>('SELECT last_seen_ts, last_seen_user_agent FROM devices WHERE device_id = $1', ['SEENDEVICE'])).rows[0];
    }
    expect(Number(row!.last_seen_ts)).toBeGreaterThan(0);
    expect(row!.last_seen_user_agent).toBe('lattice-test');
  });
});
