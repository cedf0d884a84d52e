/**
 * End-to-end encryption between two real Lattice servers federating over TLS
 * (issue 6, federated half): the federation key endpoints, remote /keys/query
 * and /keys/claim (cached for users sharing a room), device list and
 * cross-signing updates as EDUs (with a resync on a gap), device_lists in
 * /sync, and to-device messages (deduplicated, spoofed senders dropped).
 */
import { DB_KINDS } from '../../../client-api/test/support/test-server.js';
import { crossSigningKey, fallbackKey, makeDevice, oneTimeKeys, type TestDevice } from '../../../e2ee/test/support/e2ee-server.js';
import type { Credentials } from '../../../client-api/test/support/test-server.js';
import { FederationRequestError, createE2eeFederation } from '../../src/index.js';
import { withServerPair } from '../support/server-pair.js';
import { startLattice, type Lattice } from '../rooms/lattice-pair.js';
import { createCredentials, withE2ee, type E2eeRecorder } from './e2ee-lattice.js';
import { eventuallyAsync } from '../../../../tests/support/wait.js';

const enc = encodeURIComponent;
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe.each(DB_KINDS)('end-to-end encryption across two servers (%s)', (kind) => {
  let a: Lattice;
  let b: Lattice;
  const atA: E2eeRecorder = { requests: [] };
  const atB: E2eeRecorder = { requests: [] };
  let alice: Credentials;
  let bob: Credentials;
  let aliceDevice: TestDevice;
  let roomId: string;

  const call = (server: Lattice, user: Credentials, method: string, path: string, body?: unknown) =>
    server.request<Json>(method, `/_matrix/client/v3${path}`, user.access_token, body);

  async function sync(server: Lattice, user: Credentials, since?: string): Promise<Json> {
    const res = await call(server, user, 'GET', `/sync?timeout=0${since ? `&since=${enc(since)}` : ''}`);
    expect(res.status).toBe(200);
    return res.body;
  }

  /** Syncs from `since` until `found` holds for a response's body. */
  async function syncUntil(server: Lattice, user: Credentials, since: string, what: string, found: (body: Json) => boolean): Promise<Json> {
    let batch = since;
    return eventuallyAsync(what, async () => {
      const body = await sync(server, user, batch);
      batch = body.next_batch as string;
      return found(body) ? body : undefined;
    });
  }

  withServerPair({
    start: (hostname, ca, resolve) => startLattice(kind, hostname, ca, resolve, withE2ee(hostname === 'a.test' ? atA : atB)),
    started: (servers) => {
      [a, b] = servers;
    },
  });
  beforeAll(async () => {
    [alice, bob] = await Promise.all([createCredentials(a, 'alice'), createCredentials(b, 'bob')]);
    aliceDevice = makeDevice(alice);
    const bobDevice = makeDevice(bob);
    expect((await call(a, alice, 'POST', '/keys/upload', { device_keys: aliceDevice.deviceKeys, one_time_keys: oneTimeKeys(aliceDevice, 2), fallback_keys: fallbackKey(aliceDevice, 'fb') })).status).toBe(200);
    expect((await call(b, bob, 'POST', '/keys/upload', { device_keys: bobDevice.deviceKeys, one_time_keys: oneTimeKeys(bobDevice, 2) })).status).toBe(200);
    roomId = (await call(a, alice, 'POST', '/createRoom', { preset: 'private_chat' })).body.room_id as string;
    const invited = await call(a, alice, 'POST', `/rooms/${enc(roomId)}/invite`, { user_id: bob.user_id });
    expect(invited.status).toBe(200);
    expect((await call(b, bob, 'POST', `/join/${enc(roomId)}`, {})).status).toBe(200);
    await eventuallyAsync('A sees bob joined', async () => (await a.ctx.rooms.store.membership(roomId, bob.user_id))?.membership === 'join');
  });

  test('serves /user/devices, /user/keys/query and /user/keys/claim for its own users only', async () => {
    const client = atB.client!;
    const devices = await client.request<Json>({ method: 'GET', destination: a.serverName, path: `/_matrix/federation/v1/user/devices/${enc(alice.user_id)}` });
    expect(devices.user_id).toBe(alice.user_id);
    expect(typeof devices.stream_id).toBe('number');
    expect(devices.devices).toHaveLength(1);
    expect(devices.devices[0].device_id).toBe(alice.device_id);
    expect(devices.devices[0].keys.keys).toEqual(aliceDevice.deviceKeys.keys);

    const query = await client.request<Json>({
      method: 'POST',
      destination: a.serverName,
      path: '/_matrix/federation/v1/user/keys/query',
      body: { device_keys: { [alice.user_id]: [] } },
    });
    expect(Object.keys(query.device_keys[alice.user_id])).toEqual([alice.device_id]);
    expect(query.user_signing_keys).toBeUndefined();

    const claim = await client.request<Json>({
      method: 'POST',
      destination: a.serverName,
      path: '/_matrix/federation/v1/user/keys/claim',
      body: { one_time_keys: { [alice.user_id]: { [alice.device_id]: 'signed_curve25519' } } },
    });
    const claimed = Object.keys(claim.one_time_keys[alice.user_id][alice.device_id]);
    expect(claimed).toHaveLength(1);
    expect(claimed[0]).toMatch(/^signed_curve25519:k/);

    const refused = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
      const err = await client.request({ method, destination: a.serverName, path, body }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FederationRequestError);
      return [(err as FederationRequestError).status, (err as FederationRequestError).errcode];
    };
    expect(await refused('GET', `/_matrix/federation/v1/user/devices/${enc(bob.user_id)}`)).toEqual([400, 'M_INVALID_PARAM']);
    expect(await refused('POST', '/_matrix/federation/v1/user/keys/query', { device_keys: { [bob.user_id]: [] } })).toEqual([400, 'M_INVALID_PARAM']);
    expect(await refused('POST', '/_matrix/federation/v1/user/keys/claim', { one_time_keys: { [bob.user_id]: { X: 'signed_curve25519' } } })).toEqual([400, 'M_INVALID_PARAM']);
    expect(await refused('POST', '/_matrix/federation/v1/user/keys/query', {})).toEqual([400, 'M_MISSING_PARAM']);
  });

  test('remote /keys/query and /keys/claim through the client API; a tracked user is cached', async () => {
    const before = atA.requests.length;
    const first = await call(b, bob, 'POST', '/keys/query', { device_keys: { [alice.user_id]: [] } });
    expect(first.status).toBe(200);
    expect(first.body.failures).toEqual({});
    expect(first.body.device_keys[alice.user_id][alice.device_id].keys).toEqual(aliceDevice.deviceKeys.keys);
    expect(atA.requests.slice(before)).toEqual([`/_matrix/federation/v1/user/devices/${enc(alice.user_id)}`]);

    const again = await call(b, bob, 'POST', '/keys/query', { device_keys: { [alice.user_id]: [alice.device_id] } });
    expect(again.body.device_keys).toEqual(first.body.device_keys);
    expect(atA.requests.length).toBe(before + 1); // answered from the cache

    const unreachable = await call(b, bob, 'POST', '/keys/query', { device_keys: { '@x:nowhere.test': [] }, timeout: 2000 });
    expect(unreachable.status).toBe(200);
    expect(Object.keys(unreachable.body.failures)).toEqual(['nowhere.test']);

    const claim = await call(b, bob, 'POST', '/keys/claim', { one_time_keys: { [alice.user_id]: { [alice.device_id]: 'signed_curve25519' } } });
    expect(claim.body.failures).toEqual({});
    const key = Object.entries(claim.body.one_time_keys[alice.user_id][alice.device_id] as Json);
    expect(key).toHaveLength(1);
    expect(key[0]![0]).toMatch(/^signed_curve25519:k/);
    // One-time keys are gone: the fallback key next.
    const fallback = await call(b, bob, 'POST', '/keys/claim', { one_time_keys: { [alice.user_id]: { [alice.device_id]: 'signed_curve25519' } } });
    expect(Object.keys(fallback.body.one_time_keys[alice.user_id][alice.device_id])).toEqual(['signed_curve25519:fb']);
  });

  test("a new device reaches the other server as m.device_list_update; the user is in device_lists.changed", async () => {
    await call(b, bob, 'POST', '/keys/query', { device_keys: { [alice.user_id]: [] } }); // cached now
    const since = (await sync(b, bob)).next_batch as string;
    const before = atA.requests.length;
    const login = await a.request<Json>('POST', '/_matrix/client/v3/login', '', {
      type: 'm.login.password',
      identifier: { type: 'm.id.user', user: alice.user_id },
      password: 'pw',
    });
    const second: Credentials = { ...(login.body as Credentials), password: 'pw' };
    const secondDevice = makeDevice(second);
    expect((await call(a, second, 'POST', '/keys/upload', { device_keys: secondDevice.deviceKeys })).status).toBe(200);

    await syncUntil(b, bob, since, 'alice in device_lists.changed', (body) => (body.device_lists?.changed ?? []).includes(alice.user_id));
    const query = await eventuallyAsync('the new device is known at B', async () => {
      const res = await call(b, bob, 'POST', '/keys/query', { device_keys: { [alice.user_id]: [] } });
      return res.body.device_keys[alice.user_id][second.device_id] ? res.body : undefined;
    });
    expect(Object.keys(query.device_keys[alice.user_id]).sort()).toEqual([alice.device_id, second.device_id].sort());
    expect(atA.requests.length).toBe(before); // applied from the EDU, no fetch

    // Deleting it: an update with deleted: true.
    const deleted = await call(a, alice, 'POST', '/delete_devices', {
      devices: [second.device_id],
      auth: { type: 'm.login.password', identifier: { type: 'm.id.user', user: alice.user_id }, password: 'pw' },
    });
    expect(deleted.status).toBe(200);
    await eventuallyAsync('the deleted device is gone at B', async () => {
      const res = await call(b, bob, 'POST', '/keys/query', { device_keys: { [alice.user_id]: [] } });
      return res.body.device_keys[alice.user_id][second.device_id] === undefined;
    });
    expect(atA.requests.length).toBe(before);
  });

  test('changes made while the device list sender was down go out when it starts again', async () => {
    await call(b, bob, 'POST', '/keys/query', { device_keys: { [alice.user_id]: [] } });
    const before = atA.requests.length;
    await atA.federation!.stop();
    const login = await a.request<Json>('POST', '/_matrix/client/v3/login', '', {
      type: 'm.login.password',
      identifier: { type: 'm.id.user', user: alice.user_id },
      password: 'pw',
    });
    const third: Credentials = { ...(login.body as Credentials), password: 'pw' };
    expect((await call(a, third, 'POST', '/keys/upload', { device_keys: makeDevice(third).deviceKeys })).status).toBe(200);

    atA.federation = createE2eeFederation(atA.deps!, atA.sender!);
    await atA.federation.start();
    await eventuallyAsync('the device made meanwhile is known at B', async () => {
      const res = await call(b, bob, 'POST', '/keys/query', { device_keys: { [alice.user_id]: [] } });
      return res.body.device_keys[alice.user_id][third.device_id] !== undefined;
    });
    expect(atA.requests.length).toBe(before); // the update itself, not a fetch of the list
  });

  test('an update whose prev_id was never seen makes the server fetch the whole list again', async () => {
    await call(b, bob, 'POST', '/keys/query', { device_keys: { [alice.user_id]: [] } });
    const since = (await sync(b, bob)).next_batch as string;
    const before = atA.requests.length;
    await a.sender.queueEdu(b.serverName, 'm.device_list_update', {
      user_id: alice.user_id,
      device_id: 'GHOST',
      stream_id: 1_000_000,
      prev_id: [999_999],
      deleted: false,
    });
    await eventuallyAsync('B fetches alice\'s list', async () => atA.requests.length > before);
    expect(atA.requests[before]).toBe(`/_matrix/federation/v1/user/devices/${enc(alice.user_id)}`);
    await syncUntil(b, bob, since, 'alice in device_lists.changed', (body) => (body.device_lists?.changed ?? []).includes(alice.user_id));
    const cached = await eventuallyAsync('the fresh list is stored', async () => {
      const { rows } = await b.db.query<{ stream_id: string; stale: boolean }>('SELECT stream_id, stale FROM remote_device_lists WHERE user_id = $1', [alice.user_id]);
      return rows[0] && !rows[0].stale ? rows[0] : undefined;
    });
    expect(Number(cached.stream_id)).toBeLessThan(1_000_000); // A's own stream id, not the bogus one
    const query = await call(b, bob, 'POST', '/keys/query', { device_keys: { [alice.user_id]: [] } });
    const mine = await call(a, alice, 'POST', '/keys/query', { device_keys: { [alice.user_id]: [] } });
    expect(Object.keys(query.body.device_keys[alice.user_id]).sort()).toEqual(Object.keys(mine.body.device_keys[alice.user_id]).sort());
    expect(query.body.device_keys[alice.user_id]['GHOST']).toBeUndefined();
  });

  test('cross-signing keys reach the other server as m.signing_key_update', async () => {
    await call(b, bob, 'POST', '/keys/query', { device_keys: { [alice.user_id]: [] } });
    const before = atA.requests.length;
    const master = crossSigningKey(alice.user_id, 'master');
    const selfSigning = crossSigningKey(alice.user_id, 'self_signing', master);
    const uploaded = await call(a, alice, 'POST', '/keys/device_signing/upload', { master_key: master.json, self_signing_key: selfSigning.json });
    expect(uploaded.status).toBe(200);
    const query = await eventuallyAsync('B knows alice\'s master key', async () => {
      const res = await call(b, bob, 'POST', '/keys/query', { device_keys: { [alice.user_id]: [] } });
      return res.body.master_keys?.[alice.user_id] ? res.body : undefined;
    });
    expect(query.master_keys[alice.user_id].keys).toEqual(master.json.keys);
    expect(query.self_signing_keys[alice.user_id].keys).toEqual(selfSigning.json.keys);
    expect(atA.requests.length).toBe(before);
  });

  test('to-device messages over federation: delivered once per message_id, spoofed senders dropped', async () => {
    let since = (await sync(b, bob)).next_batch as string;
    // A retried request (same txnId) reaches the remote device once.
    for (let i = 0; i < 2; i++) {
      const sent = await call(a, alice, 'PUT', '/sendToDevice/m.test/txn-1', { messages: { [bob.user_id]: { [bob.device_id]: { n: 1 } } } });
      expect(sent.status).toBe(200);
    }
    const marker = await call(a, alice, 'PUT', '/sendToDevice/m.test/txn-2', { messages: { [bob.user_id]: { [bob.device_id]: { n: 'marker' } } } });
    expect(marker.status).toBe(200);
    const first: Json[] = [];
    const got = await syncUntil(b, bob, since, 'the to-device messages', (body) => {
      first.push(...(body.to_device?.events ?? []));
      return first.some((e) => e.content.n === 'marker');
    });
    expect(first).toEqual([
      { type: 'm.test', sender: alice.user_id, content: { n: 1 } },
      { type: 'm.test', sender: alice.user_id, content: { n: 'marker' } },
    ]);
    since = got.next_batch as string;

    const edu = (messageId: string, sender: string, n: number) =>
      a.sender.queueEdu(b.serverName, 'm.direct_to_device', { sender, type: 'm.test', message_id: messageId, messages: { [bob.user_id]: { '*': { n } } } });
    await edu('dup', alice.user_id, 2);
    await edu('dup', alice.user_id, 2);
    await edu('spoof', `@mallory:${b.serverName}`, 3);
    await edu('spoof2', '@eve:elsewhere.test', 4);
    await edu('last', alice.user_id, 5);
    const seen: Json[] = [];
    await syncUntil(b, bob, since, 'the last message', (body) => {
      seen.push(...(body.to_device?.events ?? []));
      return seen.some((e) => e.content.n === 5);
    });
    expect(seen.map((e) => e.content.n)).toEqual([2, 5]);

    // An update about a user of another server than the origin changes nothing.
    await a.sender.queueEdu(b.serverName, 'm.device_list_update', { user_id: bob.user_id, device_id: 'EVIL', stream_id: 7, deleted: false });
    await edu('after-evil', alice.user_id, 6);
    await syncUntil(b, bob, since, 'the message after', (body) => (body.to_device?.events ?? []).some((e: Json) => e.content.n === 6));
    const { rows } = await b.db.query("SELECT 1 FROM remote_device_keys WHERE device_id = 'EVIL'");
    expect(rows).toHaveLength(0);
  });

  test('a remote user leaving the last shared room is in device_lists.left and no longer cached', async () => {
    await call(a, alice, 'POST', '/keys/query', { device_keys: { [bob.user_id]: [] } });
    expect((await a.db.query('SELECT 1 FROM remote_device_lists WHERE user_id = $1', [bob.user_id])).rows).toHaveLength(1);
    const since = (await sync(a, alice)).next_batch as string;
    expect((await call(b, bob, 'POST', `/rooms/${enc(roomId)}/leave`, {})).status).toBe(200);
    await syncUntil(a, alice, since, 'bob in device_lists.left', (body) => (body.device_lists?.left ?? []).includes(bob.user_id));
    await eventuallyAsync("bob's list is forgotten", async () => (await a.db.query('SELECT 1 FROM remote_device_lists WHERE user_id = $1', [bob.user_id])).rows.length === 0);
    const before = atB.requests.length;
    const query = await call(a, alice, 'POST', '/keys/query', { device_keys: { [bob.user_id]: [] } });
    expect(Object.keys(query.body.device_keys[bob.user_id])).toEqual([bob.device_id]);
    expect(atB.requests.slice(before)).toEqual(['/_matrix/federation/v1/user/keys/query']);
    expect((await a.db.query('SELECT 1 FROM remote_device_lists WHERE user_id = $1', [bob.user_id])).rows).toHaveLength(0);
  });
});
