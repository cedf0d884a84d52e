/** Registration tokens: the admin API and the m.login.registration_token stage of /register. */
import { ConfigError, parseConfig } from '@lattice/core';
import { DB_KINDS, enc, startAdminTestServer, type AdminTestServer } from './support/user-admin-server.js';

interface Token {
  token: string;
  uses_allowed: number | null;
  pending: number;
  completed: number;
  expiry_time: number | null;
}

interface UiaBody {
  flows: Array<{ stages: string[] }>;
  session: string;
  completed?: string[];
  errcode?: string;
  error?: string;
}

const register = '/_matrix/client/v3/register';
const validity = '/_matrix/client/v1/register/m.login.registration_token/validity';

describe.each(DB_KINDS)('registration tokens on %s', (kind) => {
  let hs: AdminTestServer;
  beforeAll(async () => {
    hs = await startAdminTestServer(kind, {
      yaml: 'registration_requires_token: true\nrc_registration_token_validity: { per_second: 1000, burst_count: 1000 }\n',
    });
  });
  afterAll(() => hs.close());

  test('create (random or chosen), get, list with valid=, update, delete', async () => {
    const random = await hs.adminRequest<Token>('POST', '/v1/registration_tokens/new', {});
    expect(random.status).toBe(200);
    expect(random.body).toEqual({ token: expect.stringMatching(/^[A-Za-z0-9._~-]{16}$/), uses_allowed: null, pending: 0, completed: 0, expiry_time: null });
    const short = await hs.adminRequest<Token>('POST', '/v1/registration_tokens/new', { length: 5, uses_allowed: 0 });
    expect(short.body.token).toHaveLength(5);
    const chosen = await hs.adminRequest<Token>('POST', '/v1/registration_tokens/new', { token: 'chosen.one', uses_allowed: 3 });
    expect(chosen.body).toEqual({ token: 'chosen.one', uses_allowed: 3, pending: 0, completed: 0, expiry_time: null });
    const duplicate = await hs.adminRequest('POST', '/v1/registration_tokens/new', { token: 'chosen.one' });
    expect([duplicate.status, duplicate.body.errcode]).toEqual([400, 'M_INVALID_PARAM']);

    expect((await hs.adminRequest('GET', '/v1/registration_tokens/chosen.one')).body).toEqual(chosen.body);
    const missing = await hs.adminRequest('GET', '/v1/registration_tokens/nope');
    expect([missing.status, missing.body.errcode]).toEqual([404, 'M_NOT_FOUND']);

    const all = await hs.adminRequest<{ registration_tokens: Token[] }>('GET', '/v1/registration_tokens');
    expect(all.body.registration_tokens.map((t) => t.token).sort()).toEqual([random.body.token, short.body.token, 'chosen.one'].sort());
    const valid = await hs.adminRequest<{ registration_tokens: Token[] }>('GET', '/v1/registration_tokens?valid=true');
    expect(valid.body.registration_tokens.map((t) => t.token).sort()).toEqual([random.body.token, 'chosen.one'].sort());
    const invalid = await hs.adminRequest<{ registration_tokens: Token[] }>('GET', '/v1/registration_tokens?valid=false');
    expect(invalid.body.registration_tokens.map((t) => t.token)).toEqual([short.body.token]);

    const expiry = Date.now() + 3_600_000;
    const updated = await hs.adminRequest<Token>('PUT', '/v1/registration_tokens/chosen.one', { expiry_time: expiry });
    expect(updated.body).toEqual({ token: 'chosen.one', uses_allowed: 3, pending: 0, completed: 0, expiry_time: expiry });
    const unlimited = await hs.adminRequest<Token>('PUT', '/v1/registration_tokens/chosen.one', { uses_allowed: null });
    expect(unlimited.body).toMatchObject({ uses_allowed: null, expiry_time: expiry });
    expect((await hs.adminRequest('PUT', '/v1/registration_tokens/nope', {})).status).toBe(404);

    expect((await hs.adminRequest('DELETE', '/v1/registration_tokens/chosen.one')).body).toEqual({});
    expect((await hs.adminRequest('DELETE', '/v1/registration_tokens/chosen.one')).status).toBe(404);
  });

  test('bad token requests: 400 M_INVALID_PARAM and nothing created', async () => {
    for (const body of [
      { token: 'has space' },
      { token: 'x'.repeat(65) },
      { token: 5 },
      { uses_allowed: -1 },
      { uses_allowed: 1.5 },
      { expiry_time: Date.now() - 1000 },
      { expiry_time: 'soon' },
      { length: 0 },
      { length: 65 },
    ]) {
      const reply = await hs.adminRequest('POST', '/v1/registration_tokens/new', body);
      expect([JSON.stringify(body), reply.status, reply.body.errcode]).toEqual([JSON.stringify(body), 400, 'M_INVALID_PARAM']);
    }
    await hs.adminRequest('POST', '/v1/registration_tokens/new', { token: 'kept' });
    const badUpdate = await hs.adminRequest('PUT', '/v1/registration_tokens/kept', { uses_allowed: 'many' });
    expect(badUpdate.status).toBe(400);
    expect((await hs.adminRequest('GET', '/v1/registration_tokens/kept')).body).toMatchObject({ uses_allowed: null });
  });

  test('/register asks for a token; a one-use token registers one account only', async () => {
    await hs.adminRequest('POST', '/v1/registration_tokens/new', { token: 'once', uses_allowed: 1 });
    expect((await hs.request('GET', `${validity}?token=once`)).body).toEqual({ valid: true });

    const start = await hs.request<UiaBody>('POST', register, { body: { username: 'tokenuser1', password: 'a good password' } });
    expect(start.status).toBe(401);
    expect(start.body.flows).toEqual([{ stages: ['m.login.registration_token'] }]);
    const wrong = await hs.request<UiaBody>('POST', register, {
      body: { username: 'tokenuser1', password: 'a good password', auth: { type: 'm.login.registration_token', token: 'wrong', session: start.body.session } },
    });
    expect([wrong.status, wrong.body.errcode]).toEqual([401, 'M_FORBIDDEN']);

    const done = await hs.request('POST', register, {
      body: { username: 'tokenuser1', password: 'a good password', auth: { type: 'm.login.registration_token', token: 'once', session: start.body.session } },
    });
    expect(done.status).toBe(200);
    expect(done.body.user_id).toBe('@tokenuser1:test.local');
    expect((await hs.adminRequest('GET', '/v1/registration_tokens/once')).body).toMatchObject({ pending: 0, completed: 1 });
    expect((await hs.request('GET', `${validity}?token=once`)).body).toEqual({ valid: false });

    const again = await hs.request<UiaBody>('POST', register, { body: { username: 'tokenuser2', password: 'a good password' } });
    const refused = await hs.request<UiaBody>('POST', register, {
      body: { username: 'tokenuser2', password: 'a good password', auth: { type: 'm.login.registration_token', token: 'once', session: again.body.session } },
    });
    expect([refused.status, refused.body.errcode]).toEqual([401, 'M_FORBIDDEN']);
    expect((await hs.adminRequest('GET', `/v2/users/${enc('@tokenuser2:test.local')}`)).status).toBe(404);
    // Without the token stage no flow completes.
    const dummy = await hs.request<UiaBody>('POST', register, {
      body: { username: 'tokenuser2', password: 'a good password', auth: { type: 'm.login.dummy', session: again.body.session } },
    });
    expect(dummy.status).toBe(401);
  });

  test('a pending use holds the token: two registrations racing for one use cannot both pass the stage', async () => {
    await hs.adminRequest('POST', '/v1/registration_tokens/new', { token: 'contested', uses_allowed: 1 });
    const a = await hs.request<UiaBody>('POST', register, { body: { username: 'racer1', password: 'a good password' } });
    const b = await hs.request<UiaBody>('POST', register, { body: { username: 'racer2', password: 'a good password' } });
    // racer1 passes the stage and then fails on something else (the password is missing), keeping its pending use.
    const staged = await hs.request<UiaBody>('POST', register, {
      body: { username: 'racer1', auth: { type: 'm.login.registration_token', token: 'contested', session: a.body.session } },
    });
    expect(staged.status).toBe(400);
    expect((await hs.adminRequest('GET', '/v1/registration_tokens/contested')).body).toMatchObject({ pending: 1, completed: 0 });
    const blocked = await hs.request<UiaBody>('POST', register, {
      body: { username: 'racer2', password: 'a good password', auth: { type: 'm.login.registration_token', token: 'contested', session: b.body.session } },
    });
    expect(blocked.status).toBe(401);
    const finished = await hs.request('POST', register, {
      body: { username: 'racer1', password: 'a good password', auth: { session: a.body.session } },
    });
    expect(finished.status).toBe(200);
    expect((await hs.adminRequest('GET', '/v1/registration_tokens/contested')).body).toMatchObject({ pending: 0, completed: 1 });
  });

  test('validity: expired and unknown tokens are invalid; the token parameter is required', async () => {
    await hs.adminRequest('POST', '/v1/registration_tokens/new', { token: 'expiring', expiry_time: Date.now() + 60_000 });
    expect((await hs.request('GET', `${validity}?token=expiring`)).body).toEqual({ valid: true });
    await hs.db.query('UPDATE registration_tokens SET expiry_time = $2 WHERE token = $1', ['expiring', Date.now() - 1]);
    expect((await hs.request('GET', `${validity}?token=expiring`)).body).toEqual({ valid: false });
    expect((await hs.request('GET', `${validity}?token=unknown`)).body).toEqual({ valid: false });
    const missing = await hs.request('GET', validity);
    expect([missing.status, missing.body.errcode]).toEqual([400, 'M_MISSING_PARAM']);
  });
});

describe.each(DB_KINDS)('registration token validity with registration closed on %s', (kind) => {
  let hs: AdminTestServer;
  beforeAll(async () => {
    hs = await startAdminTestServer(kind, { config: { enable_registration: false } });
  });
  afterAll(() => hs.close());

  test('403 M_FORBIDDEN', async () => {
    const reply = await hs.request('GET', `${validity}?token=any`);
    expect([reply.status, reply.body.errcode]).toEqual([403, 'M_FORBIDDEN']);
  });
});

describe('registration_requires_token in the config', () => {
  const parse = (yaml: string) => () => parseConfig(`server_name: example.org\nenable_registration: true\n${yaml}`, { env: {}, configDir: '/tmp' });

  test('counts as the verification step open registration needs; defaults to false', () => {
    expect(parse('registration_requires_token: true')().registration_requires_token).toBe(true);
    expect(parse('enable_registration_without_verification: true')().registration_requires_token).toBe(false);
    expect(parse('')).toThrow(ConfigError);
    expect(parse('registration_requires_token: maybe')).toThrow(ConfigError);
  });
});
