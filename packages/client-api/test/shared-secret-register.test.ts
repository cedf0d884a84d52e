/** Synapse-compatible /_synapse/admin/v1/register. */
import { registrationMac } from '@lattice/client-api';
import { DB_KINDS, SERVER_NAME, startTestServer, v3, type TestServer } from './support/test-server.js';

const SECRET = 'test-shared-secret';
const PATH = '/_synapse/admin/v1/register';

describe.each(DB_KINDS)('shared-secret registration on %s', (kind) => {
  let hs: TestServer;
  beforeAll(async () => {
    hs = await startTestServer(kind, { config: { enable_registration: false } });
  });
  afterAll(() => hs.close());

  const nonce = async () => (await hs.request<{ nonce: string }>('GET', PATH)).body.nonce;
  function signed(n: string, fields: { username: string; password: string; admin?: boolean; user_type?: string }, secret = SECRET) {
    const mac = registrationMac(secret, { nonce: n, username: fields.username, password: fields.password, admin: fields.admin ?? false, userType: fields.user_type });
    return { nonce: n, ...fields, admin: fields.admin ?? false, mac };
  }

  test('a correctly signed request registers the user (even with open registration off) and logs it in', async () => {
    const res = await hs.request('POST', PATH, { body: signed(await nonce(), { username: 'Admin', password: 'admin password', admin: true }) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ user_id: `@admin:${SERVER_NAME}`, home_server: SERVER_NAME });
    const whoami = await hs.request('GET', v3('/account/whoami'), { token: res.body.access_token as string });
    expect(whoami.body).toMatchObject({ user_id: `@admin:${SERVER_NAME}`, device_id: res.body.device_id });
    const row = await hs.db.query<{ admin: boolean }>('SELECT admin FROM users WHERE user_id = $1', [`@admin:${SERVER_NAME}`]);
    expect(row.rows[0]!.admin).toBe(true);
  });

  test('user_type and displayname are covered and stored', async () => {
    const res = await hs.request('POST', PATH, {
      body: { ...signed(await nonce(), { username: 'helperbot', password: 'bot password', user_type: 'bot' }), displayname: 'Helper' },
    });
    expect(res.status).toBe(200);
    expect((await hs.request('GET', v3(`/profile/@helperbot:${SERVER_NAME}/displayname`))).body).toEqual({ displayname: 'Helper' });
  });

  test('a wrong MAC is rejected with 403 and registers nothing', async () => {
    const res = await hs.request('POST', PATH, { body: signed(await nonce(), { username: 'mallory', password: 'pw' }, 'wrong-secret') });
    expect(res.status).toBe(403);
    // MAC covers the admin flag: flipping it invalidates the signature.
    const n = await nonce();
    const flipped = await hs.request('POST', PATH, { body: { ...signed(n, { username: 'mallory', password: 'pw' }), admin: true } });
    expect(flipped.status).toBe(403);
    expect((await hs.db.query('SELECT 1 FROM users WHERE user_id = $1', [`@mallory:${SERVER_NAME}`])).rows).toHaveLength(0);
  });

  test('a nonce works once, even if the first attempt failed', async () => {
    const n = await nonce();
    const ok = await hs.request('POST', PATH, { body: signed(n, { username: 'once', password: 'once password' }) });
    expect(ok.status).toBe(200);
    const reuse = await hs.request('POST', PATH, { body: signed(n, { username: 'twice', password: 'twice password' }) });
    expect(reuse.status).toBe(400);
    expect(reuse.body).toMatchObject({ errcode: 'M_UNKNOWN', error: 'unrecognised nonce' });

    const m = await nonce();
    await hs.request('POST', PATH, { body: signed(m, { username: 'x', password: 'y' }, 'wrong-secret') });
    expect((await hs.request('POST', PATH, { body: signed(m, { username: 'x', password: 'y' }) })).status).toBe(400);
  });

  test('expired and unknown nonces are rejected', async () => {
    const n = await nonce();
    await hs.db.query('UPDATE registration_nonces SET created_ts = 1 WHERE nonce = $1', [n]);
    expect((await hs.request('POST', PATH, { body: signed(n, { username: 'late', password: 'late password' }) })).status).toBe(400);
    expect((await hs.request('POST', PATH, { body: signed('made-up', { username: 'late', password: 'late password' }) })).status).toBe(400);
  });

  test('username rules and duplicates apply', async () => {
    const bad = await hs.request('POST', PATH, { body: signed(await nonce(), { username: 'bad name', password: 'pw' }) });
    expect(bad.body).toMatchObject({ errcode: 'M_INVALID_USERNAME' });
    const dup = await hs.request('POST', PATH, { body: signed(await nonce(), { username: 'once', password: 'pw' }) });
    expect(dup.body).toMatchObject({ errcode: 'M_USER_IN_USE' });
    const missing = await hs.request('POST', PATH, { body: { nonce: await nonce() } });
    expect(missing.status).toBe(400);
  });
});

describe.each(DB_KINDS)('shared-secret registration not configured on %s', (kind) => {
  let hs: TestServer;
  beforeAll(async () => {
    hs = await startTestServer(kind, { config: { registration_shared_secret: undefined } });
  });
  afterAll(() => hs.close());

  test('GET and POST answer 400 M_UNKNOWN, as Synapse does', async () => {
    for (const res of [await hs.request('GET', PATH), await hs.request('POST', PATH, { body: {} })]) {
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ errcode: 'M_UNKNOWN' });
    }
  });
});
