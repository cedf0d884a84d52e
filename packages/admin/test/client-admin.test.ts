/** The Client-Server API's admin endpoints: /v3/admin/whois and /v1/admin/lock (spec admin.yaml). */
import { DB_KINDS, SERVER_NAME, enc, startAdminTestServer, v3, type AdminTestServer } from './support/user-admin-server.js';

const lockPath = (userId: string) => `/_matrix/client/v1/admin/lock/${enc(userId)}`;

describe.each(DB_KINDS)('client-server admin endpoints on %s', (kind) => {
  let hs: AdminTestServer;
  beforeAll(async () => {
    hs = await startAdminTestServer(kind);
  });
  afterAll(() => hs.close());

  test('whois: the user themselves or an admin; others 403 before any lookup', async () => {
    const uma = await hs.createUser('uma');
    const vic = await hs.createUser('vic');
    const own = await hs.request<{ user_id: string; devices: Record<string, unknown> }>('GET', v3(`/admin/whois/${enc(uma.user_id)}`), { token: uma.access_token });
    expect(own.status).toBe(200);
    expect(own.body.user_id).toBe(uma.user_id);
    expect(Object.keys(own.body.devices)).toEqual([uma.device_id]);
    const byAdmin = await hs.request('GET', `/_matrix/client/r0/admin/whois/${enc(uma.user_id)}`, { token: hs.admin.access_token });
    expect(byAdmin.status).toBe(200);
    const byOther = await hs.request('GET', v3(`/admin/whois/${enc(uma.user_id)}`), { token: vic.access_token });
    expect([byOther.status, byOther.body.errcode]).toEqual([403, 'M_FORBIDDEN']);
    const unknownByOther = await hs.request('GET', v3(`/admin/whois/${enc(`@ghost:${SERVER_NAME}`)}`), { token: vic.access_token });
    expect(unknownByOther.status).toBe(403);
    expect((await hs.request('GET', v3(`/admin/whois/${enc(uma.user_id)}`))).status).toBe(401);
  });

  test('lock: admins read and set it, the locked user gets M_USER_LOCKED; 400 remote, 404 unknown or deactivated, 403 non-admins', async () => {
    const wes = await hs.createUser('wes');
    expect((await hs.request('GET', lockPath(wes.user_id), { token: hs.admin.access_token })).body).toEqual({ locked: false });
    const set = await hs.request('PUT', lockPath(wes.user_id), { token: hs.admin.access_token, body: { locked: true } });
    expect([set.status, set.body]).toEqual([200, { locked: true }]);
    const locked = await hs.request('GET', v3('/account/whoami'), { token: wes.access_token });
    expect(locked.body).toMatchObject({ errcode: 'M_USER_LOCKED', soft_logout: true });
    expect((await hs.request('GET', lockPath(wes.user_id), { token: hs.admin.access_token })).body).toEqual({ locked: true });
    await hs.request('PUT', lockPath(wes.user_id), { token: hs.admin.access_token, body: { locked: false } });
    expect((await hs.request('GET', v3('/account/whoami'), { token: wes.access_token })).status).toBe(200);

    const xan = await hs.createUser('xan');
    const refused = await hs.request('PUT', lockPath(wes.user_id), { token: xan.access_token, body: { locked: true } });
    expect([refused.status, refused.body.errcode]).toEqual([403, 'M_FORBIDDEN']);
    const missing = await hs.request('PUT', lockPath(wes.user_id), { token: hs.admin.access_token, body: {} });
    expect([missing.status, missing.body.errcode]).toEqual([400, 'M_MISSING_PARAM']);
    const remote = await hs.request('GET', lockPath('@wes:elsewhere.example'), { token: hs.admin.access_token });
    expect([remote.status, remote.body.errcode]).toEqual([400, 'M_INVALID_PARAM']);
    const unknown = await hs.request('GET', lockPath(`@ghost:${SERVER_NAME}`), { token: hs.admin.access_token });
    expect([unknown.status, unknown.body.errcode]).toEqual([404, 'M_NOT_FOUND']);
    await hs.adminRequest('POST', `/v1/deactivate/${enc(xan.user_id)}`, {});
    expect((await hs.request('GET', lockPath(xan.user_id), { token: hs.admin.access_token })).status).toBe(404);
  });
});
