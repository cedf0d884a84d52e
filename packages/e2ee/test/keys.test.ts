/** /keys/upload, /keys/query, /keys/claim: real HTTP, both databases, with bad input and concurrent claims. */
import { jest } from '@jest/globals';
import {
  DB_KINDS,
  fallbackKey,
  makeDevice,
  oneTimeKeys,
  signed,
  startE2eeTestServer,
  uploadDevice,
  v3,
  type E2eeTestServer,
} from './support/e2ee-server.js';

type QueryBody = {
  device_keys: Record<string, Record<string, Record<string, unknown>>>;
  failures: Record<string, unknown>;
};
type ClaimBody = { one_time_keys: Record<string, Record<string, Record<string, unknown>>>; failures: Record<string, unknown> };

describe.each(DB_KINDS)('keys on %s', (kind) => {
  let hs: E2eeTestServer;
  beforeAll(async () => {
    hs = await startE2eeTestServer(kind);
  });
  afterAll(() => hs.close());

  test('upload device keys and one-time keys; query returns them with the display name; counts follow', async () => {
    const alice = await hs.createUser('alice');
    const device = makeDevice(alice);
    const up = await uploadDevice(hs, device, { one_time_keys: oneTimeKeys(device, 3) });
    expect(up.status).toBe(200);
    expect(up.body).toEqual({ one_time_key_counts: { signed_curve25519: 3 } });
    await hs.request('PUT', v3(`/devices/${alice.device_id}`), { token: alice.access_token, body: { display_name: 'Laptop' } });

    const bob = await hs.createUser('bob');
    const q = await hs.request<QueryBody>('POST', v3('/keys/query'), {
      token: bob.access_token,
      body: { device_keys: { [alice.user_id]: [], '@nobody:test.local': [] } },
    });
    expect(q.status).toBe(200);
    expect(q.body.device_keys[alice.user_id]![alice.device_id]).toEqual({ ...device.deviceKeys, unsigned: { device_display_name: 'Laptop' } });
    expect(q.body.device_keys['@nobody:test.local']).toEqual({});
    expect(q.body.failures).toEqual({});
    // Asking for a named device only.
    const named = await hs.request<QueryBody>('POST', v3('/keys/query'), { token: bob.access_token, body: { device_keys: { [alice.user_id]: ['NOPE'] } } });
    expect(named.body.device_keys[alice.user_id]).toEqual({});
    // Uploading nothing reports the counts.
    const counts = await hs.request('POST', v3('/keys/upload'), { token: alice.access_token, body: {} });
    expect(counts.body).toEqual({ one_time_key_counts: { signed_curve25519: 3 } });
  });

  test('remote users are reported in failures', async () => {
    const carol = await hs.createUser('carol');
    const q = await hs.request<QueryBody>('POST', v3('/keys/query'), { token: carol.access_token, body: { device_keys: { '@x:remote.example': [] } } });
    expect(q.status).toBe(200);
    expect(Object.keys(q.body.failures)).toEqual(['remote.example']);
    const c = await hs.request<ClaimBody>('POST', v3('/keys/claim'), {
      token: carol.access_token,
      body: { one_time_keys: { '@x:remote.example': { DEV: 'signed_curve25519' } } },
    });
    expect(Object.keys(c.body.failures)).toEqual(['remote.example']);
  });

  test('bad device keys are refused with no side effects', async () => {
    const dave = await hs.createUser('dave');
    const device = makeDevice(dave);
    const other = makeDevice(await hs.createUser('erin'));
    const cases: Array<[unknown, number, string]> = [
      [{ ...device.deviceKeys, user_id: '@erin:test.local' }, 400, 'M_INVALID_PARAM'],
      [other.deviceKeys, 400, 'M_INVALID_PARAM'],
      [{ ...device.deviceKeys, device_id: 'OTHER' }, 400, 'M_INVALID_PARAM'],
      // Changed after signing: the signature no longer verifies.
      [{ ...device.deviceKeys, algorithms: ['m.megolm.v1.aes-sha2'] }, 400, 'M_INVALID_PARAM'],
      [{ ...device.deviceKeys, signatures: {} }, 400, 'M_INVALID_PARAM'],
      [{ ...device.deviceKeys, keys: 'nope' }, 400, 'M_BAD_JSON'],
      ['keys', 400, 'M_BAD_JSON'],
    ];
    for (const [deviceKeys, status, errcode] of cases) {
      const r = await hs.request('POST', v3('/keys/upload'), {
        token: dave.access_token,
        body: { device_keys: deviceKeys, one_time_keys: oneTimeKeys(device, 1) },
      });
      expect([r.status, (r.body as { errcode: string }).errcode]).toEqual([status, errcode]);
    }
    // A one-time key signed by another key.
    const forged = { 'signed_curve25519:x': signed({ key: 'x' }, dave.user_id, `ed25519:${dave.device_id}`, other.key) };
    const r = await uploadDevice(hs, device, { one_time_keys: forged });
    expect(r.body).toMatchObject({ errcode: 'M_INVALID_PARAM' });
    const q = await hs.request<QueryBody>('POST', v3('/keys/query'), { token: dave.access_token, body: { device_keys: { [dave.user_id]: [] } } });
    expect(q.body.device_keys[dave.user_id]).toEqual({});
    const counts = await hs.request('POST', v3('/keys/upload'), { token: dave.access_token, body: {} });
    expect(counts.body).toEqual({ one_time_key_counts: { signed_curve25519: 0 } });
  });

  test('a reused one-time key id: same key is harmless, a different key is refused and nothing is written', async () => {
    const frank = await hs.createUser('frank');
    const device = makeDevice(frank);
    const keys = oneTimeKeys(device, 2);
    expect((await uploadDevice(hs, device, { one_time_keys: keys })).status).toBe(200);
    expect((await hs.request('POST', v3('/keys/upload'), { token: frank.access_token, body: { one_time_keys: keys } })).body).toEqual({
      one_time_key_counts: { signed_curve25519: 2 },
    });
    const clash = {
      ...oneTimeKeys(device, 1, 'fresh'),
      'signed_curve25519:k0': signed({ key: 'different' }, frank.user_id, `ed25519:${frank.device_id}`, device.key),
    };
    const r = await hs.request('POST', v3('/keys/upload'), { token: frank.access_token, body: { one_time_keys: clash } });
    expect(r.status).toBe(400);
    const counts = await hs.request('POST', v3('/keys/upload'), { token: frank.access_token, body: {} });
    expect(counts.body).toEqual({ one_time_key_counts: { signed_curve25519: 2 } });
  });

  test('claim hands out each one-time key once, then the fallback key', async () => {
    const gina = await hs.createUser('gina');
    const device = makeDevice(gina);
    await uploadDevice(hs, device, { one_time_keys: oneTimeKeys(device, 2), fallback_keys: fallbackKey(device, 'fb') });
    const sync1 = await hs.request<Record<string, unknown>>('GET', v3('/sync'), { token: gina.access_token });
    expect(sync1.body.device_unused_fallback_key_types).toEqual(['signed_curve25519']);
    expect(sync1.body.device_one_time_keys_count).toEqual({ signed_curve25519: 2 });

    const claimer = await hs.createUser('hank');
    const claim = () =>
      hs.request<ClaimBody>('POST', v3('/keys/claim'), {
        token: claimer.access_token,
        body: { one_time_keys: { [gina.user_id]: { [gina.device_id]: 'signed_curve25519' } } },
      });
    const got = await Promise.all([claim(), claim(), claim()]);
    const ids = got.map((r) => Object.keys(r.body.one_time_keys[gina.user_id]![gina.device_id]!)[0]);
    // Two distinct one-time keys, and the fallback key for the third.
    expect(new Set(ids)).toEqual(new Set(['signed_curve25519:k0', 'signed_curve25519:k1', 'signed_curve25519:fb']));
    const fb = got.find((r) => r.body.one_time_keys[gina.user_id]![gina.device_id]!['signed_curve25519:fb']);
    expect(fb!.body.one_time_keys[gina.user_id]![gina.device_id]!['signed_curve25519:fb']).toMatchObject({ key: 'fallback-fb', fallback: true });

    const sync2 = await hs.request<Record<string, unknown>>('GET', v3('/sync'), { token: gina.access_token });
    expect(sync2.body.device_unused_fallback_key_types).toEqual([]);
    expect(sync2.body.device_one_time_keys_count).toEqual({ signed_curve25519: 0 });
    // The fallback key keeps being handed out; unknown devices give nothing.
    const again = await hs.request<ClaimBody>('POST', v3('/keys/claim'), {
      token: claimer.access_token,
      body: { one_time_keys: { [gina.user_id]: { [gina.device_id]: 'signed_curve25519', NOPE: 'signed_curve25519' } } },
    });
    expect(Object.keys(again.body.one_time_keys[gina.user_id]!)).toEqual([gina.device_id]);
    // A new fallback key is unused again.
    await hs.request('POST', v3('/keys/upload'), { token: gina.access_token, body: { fallback_keys: fallbackKey(device, 'fb2') } });
    const sync3 = await hs.request<Record<string, unknown>>('GET', v3('/sync'), { token: gina.access_token });
    expect(sync3.body.device_unused_fallback_key_types).toEqual(['signed_curve25519']);
  });

  test('a long-poll that waits reads the key counts once, for its answer: they include a claim made while it waited', async () => {
    const jo = await hs.createUser('jo');
    const device = makeDevice(jo);
    await uploadDevice(hs, device, { one_time_keys: oneTimeKeys(device, 2) });
    const first = await hs.request<{ next_batch: string }>('GET', v3('/sync'), { token: jo.access_token });
    const countReads: string[] = [];
    const query = hs.db.query.bind(hs.db);
    const spy = jest.spyOn(hs.db, 'query').mockImplementation((sql: string, params?: readonly unknown[]) => {
      if (sql.includes('FROM e2e_one_time_keys WHERE user_id = $1 AND device_id = $2') && params?.[0] === jo.user_id) countReads.push(sql);
      return query(sql, params as unknown[]);
    });
    try {
      const { hub } = hs.ctx.rooms;
      const waitingBefore = hub.notifier.waiting;
      const poll = hs.request<Record<string, unknown>>('GET', v3(`/sync?since=${first.body.next_batch}&timeout=20000`), { token: jo.access_token });
      while (hub.notifier.waiting === waitingBefore) await new Promise((r) => setTimeout(r, 5));
      const kim = await hs.createUser('kim');
      await hs.request('POST', v3('/keys/claim'), {
        token: kim.access_token,
        body: { one_time_keys: { [jo.user_id]: { [jo.device_id]: 'signed_curve25519' } } },
      });
      // A to-device message for jo's device ends the wait.
      await hs.request('PUT', v3('/sendToDevice/m.test/wake1'), {
        token: kim.access_token,
        body: { messages: { [jo.user_id]: { [jo.device_id]: { hello: 'jo' } } } },
      });
      const answer = await poll;
      expect(answer.status).toBe(200);
      expect(answer.body.device_one_time_keys_count).toEqual({ signed_curve25519: 1 });
      expect((answer.body.to_device as { events: unknown[] }).events).toHaveLength(1);
      expect(countReads).toHaveLength(1);
    } finally {
      spy.mockRestore();
    }
  });

  test('many concurrent claims of one device never share a key', async () => {
    const ivy = await hs.createUser('ivy');
    const device = makeDevice(ivy);
    await uploadDevice(hs, device, { one_time_keys: oneTimeKeys(device, 20) });
    const claimers = await Promise.all([1, 2, 3, 4, 5].map((i) => hs.createUser(`claimer${i}`)));
    const replies = await Promise.all(
      claimers.flatMap((c) =>
        [0, 1, 2, 3].map(() =>
          hs.request<ClaimBody>('POST', v3('/keys/claim'), {
            token: c.access_token,
            body: { one_time_keys: { [ivy.user_id]: { [ivy.device_id]: 'signed_curve25519' } } },
          }),
        ),
      ),
    );
    const ids = replies.flatMap((r) => Object.keys(r.body.one_time_keys[ivy.user_id]?.[ivy.device_id] ?? {}));
    expect(ids).toHaveLength(20);
    expect(new Set(ids).size).toBe(20);
  });

  test('malformed requests', async () => {
    const jack = await hs.createUser('jack');
    const t = jack.access_token;
    expect((await hs.request('POST', v3('/keys/query'), { token: t, body: {} })).body).toMatchObject({ errcode: 'M_MISSING_PARAM' });
    expect((await hs.request('POST', v3('/keys/query'), { token: t, body: { device_keys: { [jack.user_id]: 'x' } } })).body).toMatchObject({
      errcode: 'M_BAD_JSON',
    });
    expect((await hs.request('POST', v3('/keys/query'), { token: t, body: { device_keys: { 'not-a-user': [] } } })).body).toMatchObject({
      errcode: 'M_INVALID_PARAM',
    });
    expect((await hs.request('POST', v3('/keys/claim'), { token: t, body: { one_time_keys: { [jack.user_id]: { D: 1 } } } })).body).toMatchObject({
      errcode: 'M_BAD_JSON',
    });
    expect((await hs.request('POST', v3('/keys/upload'), { token: t, body: { one_time_keys: { nocolon: 'x' } } })).body).toMatchObject({
      errcode: 'M_BAD_JSON',
    });
    expect((await hs.request('GET', v3('/keys/changes?from=s0'), { token: t })).body).toMatchObject({ errcode: 'M_MISSING_PARAM' });
    expect((await hs.request('GET', v3('/keys/changes?from=garbage&to=s0'), { token: t })).status).toBe(400);
    expect((await hs.request('POST', v3('/keys/query'), { body: { device_keys: {} } })).status).toBe(401);
  });
});
