/** /keys/device_signing/upload (UIA rules) and /keys/signatures/upload (verification, failures, visibility). */
import {
  DB_KINDS,
  crossSigningKey,
  makeDevice,
  signed,
  startE2eeTestServer,
  uploadDevice,
  v3,
  type Credentials,
  type CrossSigningKey,
  type E2eeTestServer,
  type TestDevice,
} from './support/e2ee-server.js';

type QueryBody = {
  device_keys: Record<string, Record<string, { signatures: Record<string, Record<string, string>> }>>;
  master_keys: Record<string, { signatures?: Record<string, Record<string, string>> }>;
  self_signing_keys: Record<string, unknown>;
  user_signing_keys: Record<string, unknown>;
};

interface Identity {
  user: Credentials;
  device: TestDevice;
  master: CrossSigningKey;
  selfSigning: CrossSigningKey;
  userSigning: CrossSigningKey;
}

describe.each(DB_KINDS)('cross-signing on %s', (kind) => {
  let hs: E2eeTestServer;
  beforeAll(async () => {
    hs = await startE2eeTestServer(kind);
  });
  afterAll(() => hs.close());

  const uploadSigning = (user: Credentials, body: Record<string, unknown>) =>
    hs.request('POST', v3('/keys/device_signing/upload'), { token: user.access_token, body });
  const query = (user: Credentials, users: string[]) =>
    hs.request<QueryBody>('POST', v3('/keys/query'), { token: user.access_token, body: { device_keys: Object.fromEntries(users.map((u) => [u, []])) } });

  async function identity(name: string): Promise<Identity> {
    const user = await hs.createUser(name);
    const device = makeDevice(user);
    await uploadDevice(hs, device);
    const master = crossSigningKey(user.user_id, 'master');
    const selfSigning = crossSigningKey(user.user_id, 'self_signing', master);
    const userSigning = crossSigningKey(user.user_id, 'user_signing', master);
    const r = await uploadSigning(user, { master_key: master.json, self_signing_key: selfSigning.json, user_signing_key: userSigning.json });
    expect([r.status, r.body]).toEqual([200, {}]);
    return { user, device, master, selfSigning, userSigning };
  }

  test('first upload needs no UIA; a repeat neither; replacing needs the password', async () => {
    const alice = await identity('alice');
    const again = await uploadSigning(alice.user, { master_key: alice.master.json, self_signing_key: alice.selfSigning.json });
    expect(again.status).toBe(200);

    const master2 = crossSigningKey(alice.user.user_id, 'master');
    const ssk2 = crossSigningKey(alice.user.user_id, 'self_signing', master2);
    const body = { master_key: master2.json, self_signing_key: ssk2.json };
    const challenge = await uploadSigning(alice.user, body);
    expect(challenge.status).toBe(401);
    expect(challenge.body).toMatchObject({ flows: [{ stages: ['m.login.password'] }] });
    // Not replaced yet.
    expect((await query(alice.user, [alice.user.user_id])).body.master_keys[alice.user.user_id]).toMatchObject({ keys: alice.master.json.keys });
    const session = (challenge.body as { session: string }).session;
    const auth = { type: 'm.login.password', identifier: { type: 'm.id.user', user: alice.user.user_id }, password: alice.user.password, session };
    expect((await uploadSigning(alice.user, { ...body, auth })).status).toBe(200);
    const q = await query(alice.user, [alice.user.user_id]);
    expect(q.body.master_keys[alice.user.user_id]).toMatchObject({ keys: master2.json.keys });
    expect(q.body.self_signing_keys[alice.user.user_id]).toMatchObject({ keys: ssk2.json.keys });
    // The user-signing key was not replaced and is shown to its owner only.
    expect(q.body.user_signing_keys[alice.user.user_id]).toMatchObject({ keys: alice.userSigning.json.keys });
    const bob = await hs.createUser('bob');
    expect((await query(bob, [alice.user.user_id])).body.user_signing_keys).toEqual({});
  });

  test('bad uploads: unsigned sub-keys, no master, wrong user, malformed', async () => {
    const carol = await hs.createUser('carol');
    const master = crossSigningKey(carol.user_id, 'master');
    const unsigned = crossSigningKey(carol.user_id, 'self_signing');
    const other = crossSigningKey(carol.user_id, 'master');
    const signedByOther = crossSigningKey(carol.user_id, 'self_signing', other);
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ master_key: master.json, self_signing_key: unsigned.json }, 400, 'M_INVALID_SIGNATURE'],
      [{ master_key: master.json, self_signing_key: signedByOther.json }, 400, 'M_INVALID_SIGNATURE'],
      [{ self_signing_key: signedByOther.json }, 400, 'M_MISSING_PARAM'],
      [{ master_key: { ...master.json, user_id: '@bob:test.local' } }, 400, 'M_INVALID_PARAM'],
      [{ master_key: { ...master.json, usage: ['self_signing'] } }, 400, 'M_INVALID_PARAM'],
      [{ master_key: { ...master.json, keys: { 'ed25519:abc': 'def' } } }, 400, 'M_INVALID_PARAM'],
      [{ master_key: 'x' }, 400, 'M_BAD_JSON'],
    ];
    for (const [body, status, errcode] of cases) {
      const r = await uploadSigning(carol, body);
      expect([r.status, (r.body as { errcode: string }).errcode]).toEqual([status, errcode]);
    }
    expect((await query(carol, [carol.user_id])).body.master_keys).toEqual({});
  });

  test('self-signing a device: a valid signature is served with the device keys; a bad one is a failure', async () => {
    const dave = await identity('dave');
    const signedDevice = signed(dave.device.deviceKeys, dave.user.user_id, dave.selfSigning.keyId, dave.selfSigning.key);
    const r = await hs.request<{ failures: Record<string, unknown> }>('POST', v3('/keys/signatures/upload'), {
      token: dave.user.access_token,
      body: { [dave.user.user_id]: { [dave.user.device_id]: signedDevice } },
    });
    expect(r.body).toEqual({ failures: {} });
    const erin = await hs.createUser('erin');
    const q = await query(erin, [dave.user.user_id]);
    const sigs = q.body.device_keys[dave.user.user_id]![dave.user.device_id]!.signatures[dave.user.user_id]!;
    const uploaded = signedDevice.signatures as Record<string, Record<string, string>>;
    expect(sigs[dave.selfSigning.keyId]).toBe(uploaded[dave.user.user_id]![dave.selfSigning.keyId]);
    expect(sigs[`ed25519:${dave.user.device_id}`]).toBeDefined();

    // Signed by the wrong key, signing content that differs from the stored keys, an unknown device.
    const wrong = signed(dave.device.deviceKeys, dave.user.user_id, dave.selfSigning.keyId, dave.userSigning.key);
    const altered = signed({ ...dave.device.deviceKeys, algorithms: [] }, dave.user.user_id, dave.selfSigning.keyId, dave.selfSigning.key);
    const bad = await hs.request<{ failures: Record<string, Record<string, { errcode: string }>> }>('POST', v3('/keys/signatures/upload'), {
      token: dave.user.access_token,
      body: { [dave.user.user_id]: { [dave.user.device_id]: wrong, NOPE: signedDevice } },
    });
    expect(bad.body.failures[dave.user.user_id]![dave.user.device_id]!.errcode).toBe('M_INVALID_SIGNATURE');
    expect(bad.body.failures[dave.user.user_id]!.NOPE!.errcode).toBe('M_NOT_FOUND');
    const bad2 = await hs.request<{ failures: Record<string, Record<string, { errcode: string }>> }>('POST', v3('/keys/signatures/upload'), {
      token: dave.user.access_token,
      body: { [dave.user.user_id]: { [dave.user.device_id]: altered } },
    });
    expect(bad2.body.failures[dave.user.user_id]![dave.user.device_id]!.errcode).toBe('M_INVALID_SIGNATURE');
  });

  test("signing another user's master key: visible to the signer and the owner, not to third parties", async () => {
    const fay = await identity('fay');
    const gus = await identity('gus');
    const hal = await hs.createUser('hal');
    const signedMaster = signed(gus.master.json, fay.user.user_id, fay.userSigning.keyId, fay.userSigning.key);
    const r = await hs.request('POST', v3('/keys/signatures/upload'), {
      token: fay.user.access_token,
      body: { [gus.user.user_id]: { [gus.master.key.publicKeyBase64]: signedMaster } },
    });
    expect(r.body).toEqual({ failures: {} });
    const sigOf = async (viewer: Credentials) =>
      (await query(viewer, [gus.user.user_id])).body.master_keys[gus.user.user_id]!.signatures?.[fay.user.user_id]?.[fay.userSigning.keyId];
    expect(await sigOf(fay.user)).toBeDefined();
    expect(await sigOf(hal)).toBeUndefined();

    // A device signing its own master key.
    const byDevice = signed(fay.master.json, fay.user.user_id, `ed25519:${fay.user.device_id}`, fay.device.key);
    const own = await hs.request('POST', v3('/keys/signatures/upload'), {
      token: fay.user.access_token,
      body: { [fay.user.user_id]: { [fay.master.key.publicKeyBase64]: byDevice } },
    });
    expect(own.body).toEqual({ failures: {} });
    const seen = (await query(hal, [fay.user.user_id])).body.master_keys[fay.user.user_id]!.signatures![fay.user.user_id]!;
    expect(seen[`ed25519:${fay.user.device_id}`]).toBeDefined();
  });
});
