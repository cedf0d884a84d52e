/** MSC3814 dehydrated devices under the unstable prefix matrix-js-sdk uses. */
import { DB_KINDS, makeDevice, oneTimeKeys, startE2eeTestServer, v3, type E2eeTestServer } from './support/e2ee-server.js';

const PREFIX = '/_matrix/client/unstable/org.matrix.msc3814.v1';

describe.each(DB_KINDS)('dehydrated devices on %s', (kind) => {
  let hs: E2eeTestServer;
  beforeAll(async () => {
    hs = await startE2eeTestServer(kind);
  });
  afterAll(() => hs.close());

  test('create, read, receive to-device messages page by page, replace, delete', async () => {
    const alice = await hs.createUser('alice');
    const bob = await hs.createUser('bob');
    const req = <T = Record<string, unknown>>(method: string, path: string, body?: unknown, token = alice.access_token) =>
      hs.request<T>(method, PREFIX + path, { token, body });
    expect((await req('GET', '/dehydrated_device')).body).toMatchObject({ errcode: 'M_NOT_FOUND' });

    const dehydrated = makeDevice({ ...alice, device_id: 'DEHYDRATED1' });
    const put = await req('PUT', '/dehydrated_device', {
      device_id: 'DEHYDRATED1',
      device_data: { algorithm: 'm.dehydration.v1.olm', device_pickle: 'pickle' },
      initial_device_display_name: 'Dehydrated device',
      device_keys: { ...dehydrated.deviceKeys },
      one_time_keys: oneTimeKeys(dehydrated, 2),
    });
    expect([put.status, put.body]).toEqual([200, { device_id: 'DEHYDRATED1' }]);
    expect((await req('GET', '/dehydrated_device')).body).toEqual({
      device_id: 'DEHYDRATED1',
      device_data: { algorithm: 'm.dehydration.v1.olm', device_pickle: 'pickle' },
    });
    const q = await hs.request<{ device_keys: Record<string, Record<string, unknown>> }>('POST', v3('/keys/query'), {
      token: bob.access_token,
      body: { device_keys: { [alice.user_id]: [] } },
    });
    expect(Object.keys(q.body.device_keys[alice.user_id]!)).toContain('DEHYDRATED1');

    for (let i = 0; i < 3; i++) {
      await hs.request('PUT', v3(`/sendToDevice/m.room_key_test/dh${kind}${i}`), {
        token: bob.access_token,
        body: { messages: { [alice.user_id]: { DEHYDRATED1: { i } } } },
      });
    }
    const page = await req<{ events: Array<{ content: { i: number } }>; next_batch?: string }>('GET', '/dehydrated_device/DEHYDRATED1/events');
    expect(page.body.events.map((e) => e.content.i)).toEqual([0, 1, 2]);
    expect(page.body.next_batch).toBeDefined();
    const end = await req<{ events: unknown[]; next_batch?: string }>('GET', `/dehydrated_device/DEHYDRATED1/events?from=${page.body.next_batch}`);
    expect(end.body).toEqual({ events: [] });
    // POST with next_batch in the body, as MSC3814 describes it.
    expect((await req('POST', '/dehydrated_device/DEHYDRATED1/events', { next_batch: page.body.next_batch })).body).toEqual({ events: [] });
    expect((await req('GET', '/dehydrated_device/OTHER/events')).status).toBe(403);
    expect((await req('GET', '/dehydrated_device/DEHYDRATED1/events', undefined, bob.access_token)).status).toBe(403);

    // A new dehydrated device replaces the old one and its keys.
    const next = makeDevice({ ...alice, device_id: 'DEHYDRATED2' });
    await req('PUT', '/dehydrated_device', { device_id: 'DEHYDRATED2', device_data: { v: 2 }, device_keys: next.deviceKeys });
    const q2 = await hs.request<{ device_keys: Record<string, Record<string, unknown>> }>('POST', v3('/keys/query'), {
      token: bob.access_token,
      body: { device_keys: { [alice.user_id]: [] } },
    });
    expect(Object.keys(q2.body.device_keys[alice.user_id]!)).toEqual(['DEHYDRATED2']);

    // Bad input: keys signed for another device id, missing data.
    const bad = await req('PUT', '/dehydrated_device', { device_id: 'DEHYDRATED3', device_data: {}, device_keys: next.deviceKeys });
    expect(bad.body).toMatchObject({ errcode: 'M_INVALID_PARAM' });
    expect((await req('PUT', '/dehydrated_device', { device_id: 'X', device_keys: next.deviceKeys })).status).toBe(400);
    expect((await req('GET', '/dehydrated_device')).body).toMatchObject({ device_id: 'DEHYDRATED2' });

    expect((await req('DELETE', '/dehydrated_device')).body).toEqual({ device_id: 'DEHYDRATED2' });
    expect((await req('GET', '/dehydrated_device')).status).toBe(404);
    expect((await hs.request('GET', v3('/devices'), { token: alice.access_token })).body).toEqual({
      devices: [expect.objectContaining({ device_id: alice.device_id })],
    });
  });
});
