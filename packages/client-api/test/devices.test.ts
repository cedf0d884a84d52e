/** GET /devices, GET/PUT/DELETE /devices/{deviceId}, POST /delete_devices. */
import { getUser, hashPassword, passwordHashParams, setPasswordHash } from '@lattice/client-api';
import { DB_KINDS, startTestServer, v3, type Credentials, type TestServer } from './support/test-server.js';

describe.each(DB_KINDS)('devices on %s', (kind) => {
  let hs: TestServer;
  let alice: Credentials;
  beforeAll(async () => {
    hs = await startTestServer(kind);
    alice = await hs.createUser('alice');
  });
  afterAll(() => hs.close());

  const login = (deviceId: string, name?: string) =>
    hs.request('POST', v3('/login'), {
      body: { type: 'm.login.password', user: 'alice', password: alice.password, device_id: deviceId, initial_device_display_name: name },
    });
  const get = (path: string) => hs.request('GET', v3(path), { token: alice.access_token });

  test('list and get devices in the spec shape', async () => {
    await login('PHONE', 'Alice phone');
    const list = await get('/devices');
    expect(list.status).toBe(200);
    const devices = list.body.devices as Array<Record<string, unknown>>;
    expect(devices.map((d) => d.device_id)).toEqual(expect.arrayContaining([alice.device_id, 'PHONE']));
    const phone = await get('/devices/PHONE');
    expect(phone.body).toEqual({ device_id: 'PHONE', display_name: 'Alice phone' });
    const missing = await get('/devices/NOSUCH');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ errcode: 'M_NOT_FOUND' });
  });

  test('rename a device; unknown devices are 404', async () => {
    await login('TABLET');
    const put = await hs.request('PUT', v3('/devices/TABLET'), { token: alice.access_token, body: { display_name: 'Kitchen tablet' } });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({});
    expect((await get('/devices/TABLET')).body).toMatchObject({ display_name: 'Kitchen tablet' });
    expect((await hs.request('PUT', v3('/devices/TABLET'), { token: alice.access_token, body: {} })).status).toBe(200);
    const unknown = await hs.request('PUT', v3('/devices/NOSUCH'), { token: alice.access_token, body: { display_name: 'x' } });
    expect(unknown.status).toBe(404);
    const badType = await hs.request('PUT', v3('/devices/TABLET'), { token: alice.access_token, body: { display_name: 5 } });
    expect(badType.body).toMatchObject({ errcode: 'M_INVALID_PARAM' });
  });

  test('devices of other users are invisible', async () => {
    const bob = await hs.createUser('bob');
    expect((await hs.request('GET', v3(`/devices/${alice.device_id}`), { token: bob.access_token })).status).toBe(404);
  });

  test('DELETE /devices/{id} needs UIA, then removes the device and its token', async () => {
    const laptop = await login('LAPTOP');
    const first = await hs.request('DELETE', v3('/devices/LAPTOP'), { token: alice.access_token });
    expect(first.status).toBe(401);
    expect(first.body.flows).toEqual([{ stages: ['m.login.password'] }]);
    const done = await hs.request('DELETE', v3('/devices/LAPTOP'), {
      token: alice.access_token,
      body: { auth: { type: 'm.login.password', identifier: { type: 'm.id.user', user: 'alice' }, password: alice.password, session: first.body.session } },
    });
    expect(done.status).toBe(200);
    expect((await get('/devices/LAPTOP')).status).toBe(404);
    expect((await hs.request('GET', v3('/account/whoami'), { token: laptop.body.access_token as string })).status).toBe(401);
  });

  test('the UIA password stage moves a password stored at another scrypt cost to the configured one', async () => {
    await login('TABLET');
    const configured = passwordHashParams(hs.ctx.config);
    await setPasswordHash(hs.db, alice.user_id, await hashPassword(alice.password, { ...configured, ln: configured.ln + 1 }));
    const first = await hs.request('DELETE', v3('/devices/TABLET'), { token: alice.access_token });
    const done = await hs.request('DELETE', v3('/devices/TABLET'), {
      token: alice.access_token,
      body: { auth: { type: 'm.login.password', identifier: { type: 'm.id.user', user: 'alice' }, password: alice.password, session: first.body.session } },
    });
    expect(done.status).toBe(200);
    expect((await getUser(hs.db, alice.user_id))?.passwordHash).toMatch(new RegExp(`^\\$scrypt\\$ln=${configured.ln},`));
  });

  test('POST /delete_devices deletes several devices after UIA', async () => {
    await login('ONE');
    await login('TWO');
    const body = { devices: ['ONE', 'TWO', 'NEVER_EXISTED'] };
    const first = await hs.request('POST', v3('/delete_devices'), { token: alice.access_token, body });
    expect(first.status).toBe(401);
    const done = await hs.request('POST', v3('/delete_devices'), {
      token: alice.access_token,
      body: { ...body, auth: { type: 'm.login.password', user: 'alice', password: alice.password, session: first.body.session } },
    });
    expect(done.status).toBe(200);
    expect((await get('/devices/ONE')).status).toBe(404);
    expect((await get('/devices/TWO')).status).toBe(404);
    expect((await hs.request('POST', v3('/delete_devices'), { token: alice.access_token, body: {} })).body).toMatchObject({
      errcode: 'M_MISSING_PARAM',
    });
  });
});
