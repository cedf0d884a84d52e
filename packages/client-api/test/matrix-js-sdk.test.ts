/** A real client library against the endpoints: matrix-js-sdk's own UIA loop, login, devices, profile, logout. */
import { createClient, type MatrixError as SdkMatrixError } from 'matrix-js-sdk';
import { SERVER_NAME, startTestServer, type TestServer } from './support/test-server.js';

describe('matrix-js-sdk', () => {
  let hs: TestServer;
  beforeAll(async () => {
    hs = await startTestServer('pglite');
  });
  afterAll(() => hs.close());

  test('registers through UIA, logs in, manages devices and profile, logs out', async () => {
    const anon = createClient({ baseUrl: hs.url });
    const first = await anon.registerRequest({ username: 'sdkuser', password: 'sdk password' }).catch((e: SdkMatrixError) => e);
    const uia = (first as SdkMatrixError).data as { session: string };
    const registered = await anon.register('sdkuser', 'sdk password', uia.session, { type: 'm.login.dummy', session: uia.session });
    expect(registered.user_id).toBe(`@sdkuser:${SERVER_NAME}`);

    const login = await anon.loginRequest({ type: 'm.login.password', identifier: { type: 'm.id.user', user: 'sdkuser' }, password: 'sdk password' });
    const client = createClient({ baseUrl: hs.url, accessToken: login.access_token, userId: login.user_id, deviceId: login.device_id });
    expect(await client.whoami()).toMatchObject({ user_id: login.user_id, device_id: login.device_id });
    expect((await client.getVersions()).versions).toContain('v1.18');
    expect((await client.getDevices()).devices.map((d) => d.device_id).sort()).toEqual([registered.device_id, login.device_id].sort());

    await client.setDisplayName('SDK User');
    expect(await client.getProfileInfo(login.user_id)).toMatchObject({ displayname: 'SDK User' });

    // Auth without a session: the server opens one and completes the stage in the same request.
    const auth = { type: 'm.login.password', identifier: { type: 'm.id.user', user: 'sdkuser' }, password: 'sdk password' };
    await client.deleteDevice(registered.device_id!, auth as Parameters<typeof client.deleteDevice>[1]);
    expect((await client.getDevices()).devices.map((d) => d.device_id)).toEqual([login.device_id]);

    await client.logout(true);
    await expect(client.whoami()).rejects.toMatchObject({ errcode: 'M_UNKNOWN_TOKEN' });
  });
});
