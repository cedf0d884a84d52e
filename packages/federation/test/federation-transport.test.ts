/**
 * Two real Lattice servers federating over TLS (a test CA, certificates
 * checked), plus bare key servers: keys, notaries, signed requests in both
 * directions, and the cases that must be refused.
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import nacl from 'tweetnacl';
import { decodeBase64, generateSigningKey, ROOM_VERSIONS, signedJsonPayload } from '@lattice/core';
import { createAlias } from '@lattice/client-api';
import { pino } from 'pino';
import {
  createFederationTransport,
  FederationRequestError,
  outboundSettings,
  parseWellKnown,
  RemoteKeyRing,
  wellKnownFetch,
  signRequest,
  type FederationClient,
} from '../src/index.js';
import type { HostResolver, TrustedKeyServer } from '@lattice/core';
import { DB_KINDS, loopbackResolver, startFederationServer, type FederationTestServer } from './support/federation-server.js';
import { startKeyServer, type KeyServer } from './support/key-server.js';
import { createTestCa, type TestCa } from './support/test-ca.js';

const DAY = 24 * 3600_000;

function selfSignedBy(json: Record<string, unknown>, server: string, keyId: string, publicKey: string): boolean {
  const sig = (json.signatures as Record<string, Record<string, string>>)[server]?.[keyId];
  if (sig === undefined) return false;
  return nacl.sign.detached.verify(Buffer.from(signedJsonPayload(json)), decodeBase64(sig), decodeBase64(publicKey));
}

async function rejection(promise: Promise<unknown>): Promise<FederationRequestError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof FederationRequestError) return err;
    throw err;
  }
  throw new Error('expected the request to fail');
}

describe.each(DB_KINDS)('federation transport over TLS (%s)', (kind) => {
  let ca: TestCa;
  const resolve = loopbackResolver(['a.test', 'b.test', 'c.test', 'd.test', 'e.test', 'wrong.test']);
  let a: FederationTestServer;
  let b: FederationTestServer;
  const oldKey = generateSigningKey('retired');
  const keyServers: KeyServer[] = [];

  beforeAll(async () => {
    ca = createTestCa();
    a = await startFederationServer(kind, { hostname: 'a.test', ca, resolve });
    b = await startFederationServer(kind, {
      hostname: 'b.test',
      ca,
      resolve,
      yaml: `old_signing_keys: {"ed25519:retired": {key: "${oldKey.publicKeyBase64}", expired_ts: 1234567}}\nkey_refresh_interval: 2d\n`,
    });
  });

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close(), ...keyServers.map((k) => k.close())]);
    ca?.remove();
  });

  async function keyServer(hostname: string, refreshIntervalMs?: number): Promise<KeyServer> {
    const ks = await startKeyServer(hostname, ca, refreshIntervalMs);
    keyServers.push(ks);
    return ks;
  }

  /** A key ring on A's database, with its own memory and notaries. */
  function ringOnA(
    trustedKeyServers: TrustedKeyServer[] = [],
    client: FederationClient = a.transport.client,
    options: { minFetchIntervalMs?: number } = {},
  ): RemoteKeyRing {
    return new RemoteKeyRing({ db: a.db, own: a.transport.ownKeys, client, trustedKeyServers, ...options });
  }

  /** A's transport built with some settings changed (certificates, address policy, resolver). */
  function variantOfA(config: Partial<typeof a.ctx.config>, resolver: HostResolver = resolve) {
    return createFederationTransport({ config: { ...a.ctx.config, ...config }, db: a.db, logger: pino({ level: 'silent' }) }, a.signingKey, {
      resolve: resolver,
    });
  }

  /** An HTTPS request to B with exactly these headers (the test CA trusted, SNI b.test). */
  function rawToB(method: string, path: string, headers: Record<string, string>, body?: string) {
    return new Promise<{ status: number; body: Record<string, unknown> }>((done, fail) => {
      const req = https.request(
        { host: '127.0.0.1', port: b.port, servername: 'b.test', ca: [readFileSync(ca.caPath)], method, path, headers: { host: b.serverName, ...headers } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => done({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString() || '{}') }));
        },
      );
      req.on('error', fail);
      req.end(body);
    });
  }

  it('serves GET /_matrix/key/v2/server signed with the current key, old keys, valid_until_ts from key_refresh_interval', async () => {
    const before = Date.now();
    const keys = await a.transport.client.request<Record<string, unknown>>({ method: 'GET', destination: b.serverName, path: '/_matrix/key/v2/server' });
    expect(keys.server_name).toBe(b.serverName);
    expect(keys.verify_keys).toEqual({ [b.signingKey.keyId]: { key: b.signingKey.publicKeyBase64 } });
    expect(keys.old_verify_keys).toEqual({ 'ed25519:retired': { key: oldKey.publicKeyBase64, expired_ts: 1234567 } });
    expect(keys.valid_until_ts).toBeGreaterThanOrEqual(before + 2 * DAY);
    expect(keys.valid_until_ts).toBeLessThanOrEqual(Date.now() + 2 * DAY);
    expect(selfSignedBy(keys, b.serverName, b.signingKey.keyId, b.signingKey.publicKeyBase64)).toBe(true);
    // The deprecated form with a key id answers the same.
    const legacy = await rawToB('GET', `/_matrix/key/v2/server/${encodeURIComponent(b.signingKey.keyId)}`, {});
    expect(legacy).toEqual({ status: 200, body: keys });
    expect((await rawToB('POST', '/_matrix/key/v2/server', {}, '{}')).body.errcode).toBe('M_UNRECOGNIZED');
  });

  it('fetches a remote key once, stores it with its validity, and serves it from the cache after', async () => {
    const fetchesBefore = b.requests.filter((p) => p === '/_matrix/key/v2/server').length;
    const ring = ringOnA();
    const found = await Promise.all([1, 2, 3, 4, 5].map(() => ring.verifyKeys(b.serverName, [b.signingKey.keyId], Date.now())));
    for (const keys of found) expect(keys.get(b.signingKey.keyId)).toBe(b.signingKey.publicKeyBase64);
    expect(b.requests.filter((p) => p === '/_matrix/key/v2/server').length).toBe(fetchesBefore + 1);
    const { rows } = await a.db.query<{ key_id: string; from_server: string; valid_until_ts: number; expired_ts: number | null }>(
      'SELECT key_id, from_server, valid_until_ts, expired_ts FROM federation_server_keys WHERE server_name = $1 ORDER BY key_id',
      [b.serverName],
    );
    expect(rows).toEqual([
      expect.objectContaining({ key_id: b.signingKey.keyId, from_server: b.serverName, expired_ts: null }),
      expect.objectContaining({ key_id: 'ed25519:retired', from_server: b.serverName, expired_ts: 1234567 }),
    ]);
    // The old key verifies events up to its expiry only.
    expect((await ring.verifyKeys(b.serverName, ['ed25519:retired'], 1234567)).size).toBe(1);
    // A new ring (another worker) finds the keys in the database.
    await ringOnA().verifyKeys(b.serverName, [b.signingKey.keyId], Date.now());
    expect(b.requests.filter((p) => p === '/_matrix/key/v2/server').length).toBe(fetchesBefore + 1);
  });

  it("makes a signed /query/profile request that the other server authenticates with the first one's key", async () => {
    const alice = await b.createUser('alice', 'Alice B');
    const path = `/_matrix/federation/v1/query/profile?user_id=${encodeURIComponent(alice)}`;
    expect(await a.transport.client.request({ method: 'GET', destination: b.serverName, path })).toEqual({ displayname: 'Alice B' });
    expect(await a.transport.client.request({ method: 'GET', destination: b.serverName, path: `${path}&field=avatar_url` })).toEqual({});
    // A path given with characters the request line must escape is signed as sent.
    expect(await a.transport.client.request({ method: 'GET', destination: b.serverName, path: `${path}&field=display name` })).toEqual({});
    // B fetched A's key to check the signature, and stored it.
    const { rows } = await b.db.query('SELECT key_id FROM federation_server_keys WHERE server_name = $1', [a.serverName]);
    expect(rows).toEqual([{ key_id: a.signingKey.keyId }]);
    // And the other way round.
    const bob = await a.createUser('bob', 'Bob A');
    expect(
      await b.transport.client.request({ method: 'GET', destination: a.serverName, path: `/_matrix/federation/v1/query/profile?user_id=${encodeURIComponent(bob)}` }),
    ).toEqual({ displayname: 'Bob A' });
  });

  it('answers /query/profile and /query/directory errors per the spec', async () => {
    const get = (path: string) => rejection(a.transport.client.request({ method: 'GET', destination: b.serverName, path }));
    expect(await get('/_matrix/federation/v1/query/profile')).toMatchObject({ status: 400, errcode: 'M_MISSING_PARAM' });
    expect(await get('/_matrix/federation/v1/query/profile?user_id=%40nobody%3Ab.test')).toMatchObject({ status: 400, errcode: 'M_INVALID_PARAM' });
    expect(await get(`/_matrix/federation/v1/query/profile?user_id=${encodeURIComponent(`@ghost:${b.serverName}`)}`)).toMatchObject({
      status: 404,
      errcode: 'M_NOT_FOUND',
    });
    expect(await get('/_matrix/federation/v1/query/directory?room_alias=nonsense')).toMatchObject({ status: 400, errcode: 'M_INVALID_PARAM' });
    expect(await get(`/_matrix/federation/v1/query/directory?room_alias=${encodeURIComponent(`#nope:${b.serverName}`)}`)).toMatchObject({
      status: 404,
      errcode: 'M_NOT_FOUND',
    });
    expect(await get('/_matrix/federation/v1/query/unknown_kind')).toMatchObject({ status: 404, errcode: 'M_UNRECOGNIZED' });
    expect(await get('/_matrix/federation/v9/nothing/here')).toMatchObject({ status: 404, errcode: 'M_UNRECOGNIZED' });
    expect(await get('/_matrix/key/v2/nothing')).toMatchObject({ status: 404, errcode: 'M_UNRECOGNIZED' });
  });

  it('resolves a local room alias for another server with /query/directory', async () => {
    const carol = await b.createUser('carol');
    const { roomId } = await b.ctx.rooms.persister.createRoom({
      version: ROOM_VERSIONS.get('10')!,
      creator: carol,
      createContent: {},
      then: [{ type: 'm.room.member', state_key: carol, sender: carol, content: { membership: 'join' } }],
    });
    const alias = `#lobby:${b.serverName}`;
    await createAlias(b.ctx, alias, roomId, carol);
    const answer = await a.transport.client.request({
      method: 'GET',
      destination: b.serverName,
      path: `/_matrix/federation/v1/query/directory?room_alias=${encodeURIComponent(alias)}`,
    });
    expect(answer).toEqual({ room_id: roomId, servers: [b.serverName] });
  });

  it('serves /_matrix/federation/v1/version without authentication', async () => {
    const res = await rawToB('GET', '/_matrix/federation/v1/version', {});
    expect(res).toEqual({ status: 200, body: { server: { name: 'Lattice', version: expect.any(String) } } });
  });

  describe('refuses inbound requests that are not properly signed', () => {
    const path = '/_matrix/federation/v1/query/profile?user_id=%40alice%3Ab.test';
    const sign = (fields: Partial<Parameters<typeof signRequest>[0]> = {}, key = a.signingKey) =>
      signRequest({ method: 'GET', uri: path, origin: a.serverName, destination: b.serverName, ...fields }, key);

    it('accepts a correct signature, with or without the destination parameter', async () => {
      expect((await rawToB('GET', path, { authorization: sign() })).status).toBe(400); // authenticated; @alice:b.test is not local
      const withoutDestination = sign().replace(/,destination="[^"]*"/, '');
      expect(withoutDestination).not.toContain('destination');
      expect((await rawToB('GET', path, { authorization: withoutDestination })).status).toBe(400);
    });

    it.each([
      ['no Authorization header', () => undefined],
      ['another auth scheme', () => 'Bearer abc'],
      ['a malformed header', () => 'X-Matrix origin="a'],
      ['a signature over another path', () => sign({ uri: '/_matrix/federation/v1/query/profile?user_id=%40bob%3Ab.test' })],
      ['a signature by a key the origin does not have', () => sign({}, generateSigningKey(a.signingKey.version))],
      ['an unknown key id', () => sign({}, generateSigningKey('unknown_key'))],
      ['a destination that is not this server', () => sign({ destination: 'other.test' })],
      ['a garbage signature', () => sign().replace(/sig="[^"]*"/, 'sig="AAAA"')],
    ])('401 M_UNAUTHORIZED for %s', async (_name, header) => {
      const value = header();
      const res = await rawToB('GET', path, value === undefined ? {} : { authorization: value });
      expect(res).toEqual({ status: 401, body: { errcode: 'M_UNAUTHORIZED', error: expect.any(String) } });
    });

    it('401 M_UNAUTHORIZED when the body differs from the signed content', async () => {
      const uri = '/_matrix/federation/v1/query/profile';
      const authorization = sign({ method: 'POST', uri, content: { a: 1 } });
      const tampered = await rawToB('POST', uri, { authorization, 'content-type': 'application/json' }, '{"a":2}');
      expect(tampered.body.errcode).toBe('M_UNAUTHORIZED');
      const intact = await rawToB('POST', uri, { authorization, 'content-type': 'application/json' }, '{"a":1}');
      expect(intact).toMatchObject({ status: 405, body: { errcode: 'M_UNRECOGNIZED' } });
    });

    it('403 M_FORBIDDEN for an origin outside federation_domain_whitelist, before any key fetch', async () => {
      b.ctx.config.federation_domain_whitelist = ['someone-else.test'];
      try {
        const res = await rawToB('GET', path, { authorization: sign({ origin: 'e.test:1' }) });
        expect(res).toEqual({ status: 403, body: { errcode: 'M_FORBIDDEN', error: expect.any(String) } });
        const { rows } = await b.db.query('SELECT 1 FROM federation_server_keys WHERE server_name = $1', ['e.test:1']);
        expect(rows).toEqual([]);
      } finally {
        delete b.ctx.config.federation_domain_whitelist;
      }
    });
  });

  describe('outbound requests', () => {
    const keysPath = '/_matrix/key/v2/server';

    it('are refused for destinations outside federation_domain_whitelist, without connecting', async () => {
      const before = b.requests.length;
      a.ctx.config.federation_domain_whitelist = ['someone-else.test'];
      try {
        const err = await rejection(a.transport.client.request({ method: 'GET', destination: b.serverName, path: keysPath }));
        expect(err).toMatchObject({ destination: b.serverName, status: undefined, errcode: 'M_FORBIDDEN' });
      } finally {
        delete a.ctx.config.federation_domain_whitelist;
      }
      expect(b.requests.length).toBe(before);
    });

    it('never reach loopback or private addresses unless ip_range_whitelist allows them', async () => {
      const before = b.requests.length;
      const strict = variantOfA({ ip_range_whitelist: [] });
      const err = await rejection(strict.client.request({ method: 'GET', destination: b.serverName, path: keysPath }));
      expect(err.status).toBeUndefined();
      expect(err.message).toContain('blocked');
      // IP literals too, and names that resolve to private ranges.
      const literal = await rejection(strict.client.request({ method: 'GET', destination: `127.0.0.1:${b.port}`, path: keysPath }));
      expect(literal.message).toContain('blocked');
      const privateNet = variantOfA({ ip_range_whitelist: [] }, async () => [{ address: '10.1.2.3', family: 4 }]);
      expect((await rejection(privateNet.client.request({ method: 'GET', destination: 'b.test:1', path: keysPath }))).message).toContain('blocked');
      expect(b.requests.length).toBe(before);
    });

    it('check certificates: refused without the test CA, or for a name the certificate does not carry; allowed when verification is off', async () => {
      const systemCas = variantOfA({ federation_custom_ca_list: undefined });
      expect((await rejection(systemCas.client.request({ method: 'GET', destination: b.serverName, path: keysPath }))).status).toBeUndefined();
      const wrongName = await rejection(a.transport.client.request({ method: 'GET', destination: `wrong.test:${b.port}`, path: keysPath }));
      expect(wrongName.message).toMatch(/altnames|certificate/i);
      const unchecked = variantOfA({ federation_custom_ca_list: undefined, federation_verify_certificates: false });
      const keys = await unchecked.client.request<{ server_name: string }>({ method: 'GET', destination: `wrong.test:${b.port}`, path: keysPath });
      expect(keys.server_name).toBe(b.serverName);
    });

    it('reuse connections to a destination', async () => {
      const client = variantOfA({}).client;
      const before = b.tlsConnections;
      for (let i = 0; i < 5; i++) await client.request({ method: 'GET', destination: b.serverName, path: '/_matrix/federation/v1/version' });
      expect(b.tlsConnections).toBe(before + 1);
    });

    it('read a large answer (a big room\'s send_join is tens of MB) whole, parsed a piece at a time', async () => {
      const ks = await keyServer('c.test');
      const pdu = (i: number) => ({ type: 'm.room.member', state_key: `@u${i}:c.test`, content: { membership: 'join', displayname: `"U" \\ ${i} 😀` } });
      const big = { state: Array.from({ length: 20_000 }, (_, i) => pdu(i)), auth_chain: [pdu(-1)], origin: 'c.test', n: 1 };
      ks.respond = () => big;
      const answer = await a.transport.client.request<typeof big>({ method: 'GET', destination: ks.serverName, path: keysPath });
      expect(JSON.stringify(big).length).toBeGreaterThan(2 ** 20);
      expect(answer).toEqual(big);
    });

    it('reach an IP literal server name, whose certificate carries the IP', async () => {
      const keys = await a.transport.client.request<{ server_name: string }>({ method: 'GET', destination: `127.0.0.1:${b.port}`, path: keysPath });
      expect(keys.server_name).toBe(b.serverName);
    });
  });

  it('fetches .well-known/matrix/server over TLS with the outbound settings, following redirects', async () => {
    const { cert, key } = ca.issue(['c.test']);
    const server = https.createServer({ cert, key }, (req, res) => {
      if (req.url === '/.well-known/matrix/server') res.writeHead(302, { location: '/elsewhere' }).end();
      else res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=60' }).end('{"m.server": "delegated.test:8443"}');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const url = `https://c.test:${(server.address() as AddressInfo).port}/.well-known/matrix/server`;
      const res = await wellKnownFetch(outboundSettings(a.ctx.config, resolve))(url);
      expect(res.status).toBe(200);
      expect(parseWellKnown(res.body)).toBe('delegated.test:8443');
      // Without the test CA the certificate is refused; without the whitelist the address is.
      await expect(wellKnownFetch(outboundSettings({ ...a.ctx.config, federation_custom_ca_list: undefined }, resolve))(url)).rejects.toThrow();
      await expect(wellKnownFetch(outboundSettings({ ...a.ctx.config, ip_range_whitelist: [] }, resolve))(url)).rejects.toMatchObject({
        reason: 'blocked',
      });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  describe('notary', () => {
    it('serves GET and POST /_matrix/key/v2/query: the server’s own response, countersigned', async () => {
      const c = await keyServer('c.test');
      const single = await a.transport.client.request<{ server_keys: Record<string, unknown>[] }>({
        method: 'GET',
        destination: b.serverName,
        path: `/_matrix/key/v2/query/${encodeURIComponent(c.serverName)}`,
      });
      expect(single.server_keys).toHaveLength(1);
      const entry = single.server_keys[0]!;
      expect(entry.server_name).toBe(c.serverName);
      expect(selfSignedBy(entry, c.serverName, c.signingKey.keyId, c.signingKey.publicKeyBase64)).toBe(true);
      expect(selfSignedBy(entry, b.serverName, b.signingKey.keyId, b.signingKey.publicKeyBase64)).toBe(true);
      expect(c.fetches).toBe(1);

      const batch = await a.transport.client.request<{ server_keys: Array<{ server_name: string }> }>({
        method: 'POST',
        destination: b.serverName,
        path: '/_matrix/key/v2/query',
        body: { server_keys: { [c.serverName]: { [c.signingKey.keyId]: { minimum_valid_until_ts: Date.now() } }, [b.serverName]: {}, 'nowhere.test:1': {} } },
      });
      expect(batch.server_keys.map((k) => k.server_name).sort()).toEqual([b.serverName, c.serverName].sort());
      expect(c.fetches).toBe(1); // the stored copy was fresh enough

      // Asking for keys valid later than the stored copy makes the notary fetch again, once: the
      // answer did not satisfy it, and asking again must not make B hammer C.
      const later = {
        method: 'POST' as const,
        destination: b.serverName,
        path: '/_matrix/key/v2/query',
        body: { server_keys: { [c.serverName]: { [c.signingKey.keyId]: { minimum_valid_until_ts: Date.now() + 30 * DAY } } } },
      };
      const stale = await a.transport.client.request<{ server_keys: unknown[] }>(later);
      expect(stale.server_keys).toHaveLength(1); // the best it has, even if short of the minimum
      expect(c.fetches).toBe(2);
      await a.transport.client.request(later);
      expect(c.fetches).toBe(2);

      const unreachable = await a.transport.client.request({ method: 'GET', destination: b.serverName, path: '/_matrix/key/v2/query/nowhere.test' });
      expect(unreachable).toEqual({ server_keys: [] });
      const bad = await rejection(
        a.transport.client.request({ method: 'POST', destination: b.serverName, path: '/_matrix/key/v2/query', body: { server_keys: [] } }),
      );
      expect(bad).toMatchObject({ status: 400, errcode: 'M_BAD_JSON' });
    });

    it('is used by the key ring when the server cannot be reached directly, and its signature is checked', async () => {
      const d = await keyServer('d.test');
      // This client cannot resolve d.test: direct fetches fail, the notary (B) can.
      const blind = variantOfA({}, loopbackResolver(['a.test', 'b.test'])).client;
      const pinnedWrong = ringOnA([{ server_name: b.serverName, verify_keys: { [b.signingKey.keyId]: generateSigningKey().publicKeyBase64 } }], blind);
      expect((await pinnedWrong.verifyKeys(d.serverName, [d.signingKey.keyId], Date.now())).size).toBe(0);

      const ring = ringOnA([{ server_name: b.serverName }], blind);
      const keys = await ring.verifyKeys(d.serverName, [d.signingKey.keyId], Date.now());
      expect(keys.get(d.signingKey.keyId)).toBe(d.signingKey.publicKeyBase64);
      const { rows } = await a.db.query('SELECT from_server FROM federation_server_keys WHERE server_name = $1', [d.serverName]);
      expect(rows).toEqual([{ from_server: b.serverName }]);

      const pinnedRight = ringOnA([{ server_name: b.serverName, verify_keys: { [b.signingKey.keyId]: b.signingKey.publicKeyBase64 } }], blind);
      const e = await keyServer('e.test');
      expect((await pinnedRight.verifyKeys(e.serverName, [e.signingKey.keyId], Date.now())).get(e.signingKey.keyId)).toBe(e.signingKey.publicKeyBase64);
    });
  });

  describe('key rotation and validity', () => {
    it('refetches for an unknown key id (rotation) and honours old_verify_keys expiry', async () => {
      const c = await keyServer('c.test');
      const ring = ringOnA([], a.transport.client, { minFetchIntervalMs: 0 });
      const first = c.signingKey;
      expect((await ring.verifyKeys(c.serverName, [first.keyId], Date.now())).size).toBe(1);
      const expiredTs = Date.now() - 1000;
      const second = c.rotate(expiredTs);
      const keys = await ring.verifyKeys(c.serverName, [second.keyId], Date.now());
      expect(keys.get(second.keyId)).toBe(second.publicKeyBase64);
      expect(c.fetches).toBe(2);
      // The retired key still verifies what it signed before it expired, not after.
      expect((await ring.verifyKeys(c.serverName, [first.keyId], expiredTs)).get(first.keyId)).toBe(first.publicKeyBase64);
      expect((await ring.verifyKeys(c.serverName, [first.keyId], expiredTs + 1)).size).toBe(0);
    });

    it('refetches a key needed past its valid_until_ts, and does not hammer the server when it stays missing', async () => {
      const c = await keyServer('c.test', 3600_000);
      const ring = ringOnA([], a.transport.client, { minFetchIntervalMs: 0 });
      expect((await ring.verifyKeys(c.serverName, [c.signingKey.keyId], Date.now())).size).toBe(1);
      expect(c.fetches).toBe(1);
      const later = Date.now() + 2 * 3600_000;
      expect((await ring.verifyKeys(c.serverName, [c.signingKey.keyId], later)).size).toBe(0);
      expect(c.fetches).toBe(2);
      await ring.verifyKeys(c.serverName, [c.signingKey.keyId], later);
      await ring.verifyKeys(c.serverName, ['ed25519:bogus'], Date.now());
      await ring.verifyKeys(c.serverName, ['ed25519:bogus'], Date.now());
      expect(c.fetches).toBe(3);
    });

    it('fetches a server at most once per interval, however many made-up key ids are asked for', async () => {
      const c = await keyServer('c.test');
      const ring = ringOnA();
      for (let i = 0; i < 20; i++) expect((await ring.verifyKeys(c.serverName, [`ed25519:made_up_${i}`], Date.now())).size).toBe(0);
      expect(c.fetches).toBe(1);
      // The genuine key came with that one fetch.
      expect((await ring.verifyKeys(c.serverName, [c.signingKey.keyId], Date.now())).size).toBe(1);
      expect(c.fetches).toBe(1);
    });

    it('refuses key responses that are not properly self-signed or name another server', async () => {
      const c = await keyServer('c.test');
      const ring = ringOnA();
      const genuine = c.respond() as Record<string, unknown>;
      const variants: unknown[] = [
        { ...genuine, verify_keys: { [c.signingKey.keyId]: { key: generateSigningKey().publicKeyBase64 } } },
        { ...genuine, valid_until_ts: (genuine.valid_until_ts as number) + 1 },
        { ...genuine, signatures: {} },
        { ...genuine, server_name: 'someone.else' },
      ];
      for (const variant of variants) {
        c.respond = () => variant;
        expect((await ringOnA().verifyKeys(c.serverName, [c.signingKey.keyId], Date.now())).size).toBe(0);
      }
      const { rows } = await a.db.query('SELECT 1 FROM federation_server_keys WHERE server_name = $1', [c.serverName]);
      expect(rows).toEqual([]);
      c.respond = () => genuine;
      expect((await ring.verifyKeys(c.serverName, [c.signingKey.keyId], Date.now())).size).toBe(1);
    });
  });
});
