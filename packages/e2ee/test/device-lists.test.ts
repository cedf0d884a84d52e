/** device_lists in /sync and /keys/changes: key changes of room-mates, new shares, leaving, deleted devices. */
import { leaveRoom } from '../../client-api/test/support/rooms.js';
import {
  DB_KINDS,
  loginAgain,
  makeDevice,
  sharedRoom,
  startE2eeTestServer,
  syncAs,
  uploadDevice,
  v3,
  type Credentials,
  type E2eeTestServer,
} from './support/e2ee-server.js';


describe.each(DB_KINDS)('device lists on %s', (kind) => {
  let hs: E2eeTestServer;
  beforeAll(async () => {
    hs = await startE2eeTestServer(kind);
  });
  afterAll(() => hs.close());

  const sync = (user: Credentials, since?: string, timeout?: number) => syncAs(hs, user, since, timeout);
  const changes = async (user: Credentials, from: string, to: string) =>
    (await hs.request<{ changed: string[]; left: string[] }>('GET', v3(`/keys/changes?from=${from}&to=${to}`), { token: user.access_token })).body;

  test('a room-mate uploading keys shows in changed (and wakes a long poll); a stranger does not', async () => {
    const alice = await hs.createUser('alice1');
    const bob = await hs.createUser('bob1');
    const stranger = await hs.createUser('stranger1');
    await sharedRoom(hs, alice, bob);
    const start = await sync(alice);
    const polling = sync(alice, start.next_batch, 20_000);
    await new Promise((r) => setTimeout(r, 200));
    await uploadDevice(hs, makeDevice(bob));
    const woke = await polling;
    expect(woke.device_lists).toEqual({ changed: [bob.user_id], left: [] });

    const before = await sync(alice, woke.next_batch);
    await uploadDevice(hs, makeDevice(stranger));
    const after = await sync(alice, before.next_batch);
    expect(after.device_lists).toEqual({ changed: [], left: [] });
    // The same through /keys/changes.
    expect(await changes(alice, start.next_batch, after.next_batch)).toEqual({ changed: [bob.user_id], left: [] });
    // New keys for the device are a change; uploading the very same keys again is not.
    const bobDevice = makeDevice(bob);
    await uploadDevice(hs, bobDevice);
    const mid = await sync(alice, after.next_batch);
    expect(mid.device_lists?.changed).toEqual([bob.user_id]);
    await uploadDevice(hs, bobDevice);
    expect((await sync(alice, mid.next_batch)).device_lists).toEqual({ changed: [], left: [] });
  });

  test('starting to share a room is a change; no longer sharing any is left; the own user sees its own changes', async () => {
    const alice = await hs.createUser('alice2');
    const bob = await hs.createUser('bob2');
    const start = await sync(alice);
    const roomId = await sharedRoom(hs, alice, bob);
    const joined = await sync(alice, start.next_batch);
    expect(joined.device_lists?.changed).toContain(bob.user_id);
    const bobStart = await sync(bob);

    await leaveRoom(hs, bob, roomId);
    const left = await sync(alice, joined.next_batch);
    expect(left.device_lists).toEqual({ changed: [], left: [bob.user_id] });
    const bobLeft = await sync(bob, bobStart.next_batch);
    expect(bobLeft.device_lists?.left).toEqual([alice.user_id]);

    const own = await sync(alice, left.next_batch);
    await uploadDevice(hs, makeDevice(alice));
    expect((await sync(alice, own.next_batch)).device_lists?.changed).toEqual([alice.user_id]);
  });

  test("deleting a device announces the change and removes the device's keys", async () => {
    const alice = await hs.createUser('alice3');
    const bob = await hs.createUser('bob3');
    await sharedRoom(hs, alice, bob);
    const bob2 = await loginAgain(hs, bob);
    const device = makeDevice(bob2);
    await uploadDevice(hs, device, { one_time_keys: { 'signed_curve25519:a': 'plain' } });
    const start = await sync(alice);
    expect((await hs.request('POST', v3('/logout'), { token: bob2.access_token })).status).toBe(200);
    const after = await sync(alice, start.next_batch);
    expect(after.device_lists?.changed).toEqual([bob.user_id]);
    const q = await hs.request<{ device_keys: Record<string, Record<string, unknown>> }>('POST', v3('/keys/query'), {
      token: alice.access_token,
      body: { device_keys: { [bob.user_id]: [] } },
    });
    expect(q.body.device_keys[bob.user_id]).toEqual({});
    const otks = await hs.db.query('SELECT 1 FROM e2e_one_time_keys WHERE user_id = $1', [bob.user_id]);
    expect(otks.rows).toHaveLength(0);
  });

  test("renaming a device is a change of its owner's device list; keys/query shows the new name", async () => {
    const alice = await hs.createUser('alice5');
    const bob = await hs.createUser('bob5');
    await sharedRoom(hs, alice, bob);
    await uploadDevice(hs, makeDevice(bob));
    const start = await sync(alice);
    const renamed = await hs.request('PUT', v3(`/devices/${bob.device_id}`), { token: bob.access_token, body: { display_name: 'Work laptop' } });
    expect(renamed.status).toBe(200);
    const after = await sync(alice, start.next_batch);
    expect(after.device_lists?.changed).toEqual([bob.user_id]);
    const q = await hs.request<{ device_keys: Record<string, Record<string, { unsigned?: Record<string, unknown> }>> }>('POST', v3('/keys/query'), {
      token: alice.access_token,
      body: { device_keys: { [bob.user_id]: [] } },
    });
    expect(q.body.device_keys[bob.user_id]?.[bob.device_id]?.unsigned?.['device_display_name']).toBe('Work laptop');
    // A PUT without a new name changes nothing.
    expect((await hs.request('PUT', v3(`/devices/${bob.device_id}`), { token: bob.access_token, body: {} })).status).toBe(200);
    expect((await sync(alice, after.next_batch)).device_lists).toEqual({ changed: [], left: [] });
  });

  test('initial sync has no device list changes', async () => {
    const zed = await hs.createUser('zed');
    const body = await sync(zed);
    expect(body.device_lists).toEqual({ changed: [], left: [] });
  });
});
