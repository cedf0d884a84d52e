/** A user's devices and uploads through the admin API. */
import { DB_KINDS, SERVER_NAME, enc, startAdminTestServer, v3, type AdminTestServer, type Credentials } from './support/user-admin-server.js';

interface DeviceList {
  devices: Array<Record<string, unknown>>;
  total: number;
}

describe.each(DB_KINDS)('user admin devices and media on %s', (kind) => {
  let hs: AdminTestServer;
  beforeAll(async () => {
    hs = await startAdminTestServer(kind);
  });
  afterAll(() => hs.close());

  const devicesPath = (user: Credentials) => `/v2/users/${enc(user.user_id)}/devices`;
  const whoami = (token: string) => hs.request('GET', v3('/account/whoami'), { token });

  test('list, show, rename, create and delete devices; a deleted device token answers 401', async () => {
    const kim = await hs.createUser('kim');
    const phone = await hs.login(kim.user_id, kim.password);
    const phoneDevice = phone.body.device_id as string;

    const list = await hs.adminRequest<DeviceList>('GET', devicesPath(kim));
    expect(list.body.total).toBe(2);
    expect(list.body.devices.map((d) => d.device_id).sort()).toEqual([kim.device_id, phoneDevice].sort());
    expect(list.body.devices[0]).toMatchObject({ user_id: kim.user_id, dehydrated: false });

    expect((await hs.adminRequest('PUT', `${devicesPath(kim)}/${enc(phoneDevice)}`, { display_name: 'Phone' })).status).toBe(200);
    const shown = await hs.adminRequest('GET', `${devicesPath(kim)}/${enc(phoneDevice)}`);
    expect(shown.body).toMatchObject({ device_id: phoneDevice, display_name: 'Phone', user_id: kim.user_id });
    const unknown = await hs.adminRequest('GET', `${devicesPath(kim)}/NOSUCHDEVICE`);
    expect([unknown.status, unknown.body.errcode]).toEqual([404, 'M_NOT_FOUND']);
    expect((await hs.adminRequest('PUT', `${devicesPath(kim)}/NOSUCHDEVICE`, { display_name: 'x' })).status).toBe(404);
    const badName = await hs.adminRequest('PUT', `${devicesPath(kim)}/${enc(phoneDevice)}`, { display_name: 7 });
    expect([badName.status, badName.body.errcode]).toEqual([400, 'M_INVALID_PARAM']);

    expect((await hs.adminRequest('POST', devicesPath(kim), { device_id: 'ADMINMADE' })).body).toEqual({});
    expect((await hs.adminRequest<DeviceList>('GET', devicesPath(kim))).body.total).toBe(3);
    const noId = await hs.adminRequest('POST', devicesPath(kim), {});
    expect([noId.status, noId.body.errcode]).toEqual([400, 'M_MISSING_PARAM']);

    expect((await hs.adminRequest('DELETE', `${devicesPath(kim)}/${enc(phoneDevice)}`)).status).toBe(200);
    const revoked = await whoami(phone.body.access_token as string);
    expect([revoked.status, revoked.body.errcode]).toEqual([401, 'M_UNKNOWN_TOKEN']);
    expect((await whoami(kim.access_token)).status).toBe(200);

    const bulk = await hs.adminRequest('POST', `/v2/users/${enc(kim.user_id)}/delete_devices`, { devices: [kim.device_id, 'ADMINMADE'] });
    expect(bulk.status).toBe(200);
    expect((await whoami(kim.access_token)).status).toBe(401);
    expect((await hs.adminRequest('GET', devicesPath(kim))).body).toEqual({ devices: [], total: 0 });
    const badList = await hs.adminRequest('POST', `/v2/users/${enc(kim.user_id)}/delete_devices`, { devices: 'all' });
    expect([badList.status, badList.body.errcode]).toEqual([400, 'M_INVALID_PARAM']);
    expect((await hs.adminRequest('GET', `/v2/users/${enc(`@ghost:${SERVER_NAME}`)}/devices`)).status).toBe(404);
  });

  test('a user\'s media: newest first, pages with next_token, order_by/dir, total', async () => {
    const mia = await hs.createUser('mia');
    const other = await hs.createUser('other');
    // Uploads as the media repository records them (its own tests cover the upload path).
    const rows: Array<[string, string, number, string | null, number]> = [
      ['mediaA', mia.user_id, 1000, 'a.png', 30],
      ['mediaB', mia.user_id, 2000, 'b.txt', 10],
      ['mediaC', mia.user_id, 3000, null, 20],
      ['mediaX', other.user_id, 4000, 'x.png', 5],
    ];
    for (const [mediaId, userId, ts, name, length] of rows) {
      await hs.db.query(
        `INSERT INTO local_media (media_id, user_id, created_ts, upload_ts, content_type, upload_name, media_length)
         VALUES ($1, $2, $3, $3, 'image/png', $4, $5)`,
        [mediaId, userId, ts, name, length],
      );
    }
    const path = `/v1/users/${enc(mia.user_id)}/media`;
    const first = await hs.adminRequest<{ media: Array<Record<string, unknown>>; total: number; next_token?: number }>('GET', `${path}?limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.total).toBe(3);
    expect(first.body.media.map((m) => m.media_id)).toEqual(['mediaC', 'mediaB']);
    expect(first.body.next_token).toBe(2);
    expect(first.body.media[1]).toEqual({
      media_id: 'mediaB',
      media_type: 'image/png',
      media_length: 10,
      upload_name: 'b.txt',
      created_ts: 2000,
      last_access_ts: null,
      quarantined_by: null,
      safe_from_quarantine: false,
    });
    const second = await hs.adminRequest<{ media: Array<Record<string, unknown>>; next_token?: number }>('GET', `${path}?limit=2&from=2`);
    expect(second.body.media.map((m) => m.media_id)).toEqual(['mediaA']);
    expect(second.body.next_token).toBeUndefined();
    const bySize = await hs.adminRequest<{ media: Array<Record<string, unknown>> }>('GET', `${path}?order_by=media_length`);
    expect(bySize.body.media.map((m) => m.media_id)).toEqual(['mediaB', 'mediaC', 'mediaA']);
    const forwards = await hs.adminRequest<{ media: Array<Record<string, unknown>> }>('GET', `${path}?dir=f`);
    expect(forwards.body.media.map((m) => m.media_id)).toEqual(['mediaA', 'mediaB', 'mediaC']);
    const bad = await hs.adminRequest('GET', `${path}?order_by=secret`);
    expect([bad.status, bad.body.errcode]).toEqual([400, 'M_INVALID_PARAM']);
    const remote = await hs.adminRequest('GET', `/v1/users/${enc('@mia:elsewhere.example')}/media`);
    expect([remote.status, remote.body.errcode]).toEqual([400, 'M_INVALID_PARAM']);
  });
});
