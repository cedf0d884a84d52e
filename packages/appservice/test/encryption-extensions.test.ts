/**
 * What encrypting bridges get in transactions when their registration asks
 * (org.matrix.msc4203 / MSC2409 to-device, org.matrix.msc3202): to-device
 * messages for their users' devices, device list changes of users sharing a
 * room with them, and their devices' one-time key counts.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DB_KINDS, v3, type Credentials } from '../../client-api/test/support/test-server.js';
import { createRoom, invite, joinRoom } from '../../client-api/test/support/rooms.js';
import { makeDevice, oneTimeKeys, uploadDevice } from '../../e2ee/test/support/e2ee-server.js';
import { startServerWithAppservice, type AppserviceTestServer } from './support/appservice-server.js';
import type { ReceivedTxn, TestAppservice } from './support/test-appservice.js';

const AS_TOKEN = 'as_token_crypto';
const toDevice = (txns: ReceivedTxn[]) => txns.flatMap((t) => (t.body['de.sorunome.msc2409.to_device'] ?? []) as Array<Record<string, unknown>>);
const changed = (txns: ReceivedTxn[]) => txns.flatMap((t) => (t.body['org.matrix.msc3202.device_lists'] as { changed: string[] } | undefined)?.changed ?? []);

describe.each(DB_KINDS)('appservice encryption extensions (%s)', (kind) => {
  let hs: AppserviceTestServer;
  let bridge: TestAppservice;
  let alice: Credentials;
  let puppet: Credentials;

  beforeAll(async () => {
    ({ hs, appservice: bridge } = await startServerWithAppservice(kind, {
      id: 'crypto',
      asToken: AS_TOKEN,
      hsToken: 'hs_token_crypto',
      sender: '_crypto_bot',
      users: [{ regex: '@_crypto_.*', exclusive: true }],
      extra: 'org.matrix.msc3202: true\norg.matrix.msc4203: true',
    }));
    alice = await hs.createUser('alice');
    const reg = await hs.request('POST', v3('/register'), { token: AS_TOKEN, body: { type: 'm.login.application_service', username: '_crypto_puppet', device_id: 'PUPPETDEV' } });
    expect(reg.status).toBe(200);
    puppet = { ...(reg.body as unknown as Credentials), password: '' };
    const roomId = await createRoom(hs, alice);
    await invite(hs, alice, roomId, puppet.user_id);
    await joinRoom(hs, puppet, roomId);
  });

  afterAll(async () => {
    await hs?.close();
    await bridge?.close();
  });

  it('pushes to-device messages for its users with the recipient, and the device one-time key counts', async () => {
    const device = makeDevice(puppet);
    const up = await uploadDevice(hs, device, { one_time_keys: oneTimeKeys(device, 2) });
    expect(up.body).toEqual({ one_time_key_counts: { signed_curve25519: 2 } });
    const sent = await hs.request('PUT', v3('/sendToDevice/m.test.ping/txn1'), {
      token: alice.access_token,
      body: { messages: { [puppet.user_id]: { PUPPETDEV: { hello: 'bridge' } } } },
    });
    expect(sent.status).toBe(200);
    await bridge.waitFor((t) => toDevice(t).length > 0, 'a to-device message');
    expect(toDevice(bridge.transactions)).toEqual([
      { type: 'm.test.ping', sender: alice.user_id, content: { hello: 'bridge' }, to_user_id: puppet.user_id, to_device_id: 'PUPPETDEV' },
    ]);
    const txn = bridge.transactions.find((t) => toDevice([t]).length > 0)!;
    expect((txn.body['org.matrix.msc3202.device_one_time_keys_count'] as Record<string, unknown>)[puppet.user_id]).toEqual({ PUPPETDEV: { signed_curve25519: 2 } });
    expect((txn.body['org.matrix.msc3202.device_unused_fallback_key_types'] as Record<string, unknown>)[puppet.user_id]).toEqual({ PUPPETDEV: [] });
  });

  it('does not push to-device messages for other users', async () => {
    const bob = await hs.createUser('bob');
    await hs.request('PUT', v3('/sendToDevice/m.test.ping/txn2'), { token: alice.access_token, body: { messages: { [bob.user_id]: { '*': { not: 'yours' } } } } });
    await hs.request('PUT', v3('/sendToDevice/m.test.ping/txn3'), { token: alice.access_token, body: { messages: { [puppet.user_id]: { '*': { second: true } } } } });
    await bridge.waitFor((t) => toDevice(t).length === 2, 'the second message');
    expect(toDevice(bridge.transactions).map((m) => m.content)).toEqual([{ hello: 'bridge' }, { second: true }]);
  });

  it('pushes device list changes of users sharing a room with its users', async () => {
    const aliceDevice = makeDevice(alice);
    expect((await uploadDevice(hs, aliceDevice)).status).toBe(200);
    await bridge.waitFor((t) => changed(t).includes(alice.user_id), "alice's device list change");
    // A user sharing no room with the bridge's users is not reported.
    const loner = await hs.createUser('loner');
    expect((await uploadDevice(hs, makeDevice(loner))).status).toBe(200);
    await hs.request('PUT', v3('/sendToDevice/m.test.ping/txn4'), { token: alice.access_token, body: { messages: { [puppet.user_id]: { PUPPETDEV: { third: true } } } } });
    await bridge.waitFor((t) => toDevice(t).length === 3, 'the third message');
    expect(changed(bridge.transactions)).not.toContain(loner.user_id);
  });
});
