/** /room_keys/version and /room_keys/keys: lifecycle, etag and count, the better-key rule, wrong versions. */
import { DB_KINDS, startE2eeTestServer, v3, type Credentials, type E2eeTestServer } from './support/e2ee-server.js';

const ALGORITHM = 'm.megolm_backup.v1.curve25519-aes-sha2';
const key = (first_message_index: number, forwarded_count: number, is_verified: boolean, tag = 'x') => ({
  first_message_index,
  forwarded_count,
  is_verified,
  session_data: { ciphertext: tag, ephemeral: 'e', mac: 'm' },
});
type Counts = { etag: string; count: number };

describe.each(DB_KINDS)('key backup on %s', (kind) => {
  let hs: E2eeTestServer;
  let alice: Credentials;
  beforeAll(async () => {
    hs = await startE2eeTestServer(kind);
    alice = await hs.createUser('alice');
  });
  afterAll(() => hs.close());

  const req = <T = Record<string, unknown>>(method: string, path: string, body?: unknown, user = alice) =>
    hs.request<T>(method, v3(path), { token: user.access_token, body });

  test('versions: none, create, read current and by id, update auth_data, delete', async () => {
    const bob = await hs.createUser('bob');
    expect((await req('GET', '/room_keys/version', undefined, bob)).body).toMatchObject({ errcode: 'M_NOT_FOUND' });
    const v1 = (await req<{ version: string }>('POST', '/room_keys/version', { algorithm: ALGORITHM, auth_data: { public_key: 'a' } }, bob)).body.version;
    const v2 = (await req<{ version: string }>('POST', '/room_keys/version', { algorithm: ALGORITHM, auth_data: { public_key: 'b' } }, bob)).body.version;
    expect(Number(v2)).toBeGreaterThan(Number(v1));
    expect((await req('GET', '/room_keys/version', undefined, bob)).body).toEqual({
      version: v2,
      algorithm: ALGORITHM,
      auth_data: { public_key: 'b' },
      etag: '0',
      count: 0,
    });
    expect((await req('GET', `/room_keys/version/${v1}`, undefined, bob)).body).toMatchObject({ version: v1, auth_data: { public_key: 'a' } });
    // Another user's version is unknown to bob's peers.
    expect((await req('GET', `/room_keys/version/${v1}`)).status).toBe(404);

    expect((await req('PUT', `/room_keys/version/${v2}`, { algorithm: ALGORITHM, auth_data: { public_key: 'c' }, version: v2 }, bob)).status).toBe(200);
    expect((await req('GET', `/room_keys/version/${v2}`, undefined, bob)).body).toMatchObject({ auth_data: { public_key: 'c' } });
    expect((await req('PUT', `/room_keys/version/${v2}`, { algorithm: 'other', auth_data: {} }, bob)).body).toMatchObject({ errcode: 'M_INVALID_PARAM' });
    expect((await req('PUT', `/room_keys/version/${v2}`, { algorithm: ALGORITHM, auth_data: {}, version: v1 }, bob)).body).toMatchObject({
      errcode: 'M_INVALID_PARAM',
    });
    expect((await req('PUT', '/room_keys/version/999999', { algorithm: ALGORITHM, auth_data: {} }, bob)).status).toBe(404);
    expect((await req('POST', '/room_keys/version', { auth_data: {} }, bob)).body).toMatchObject({ errcode: 'M_MISSING_PARAM' });

    expect((await req('DELETE', `/room_keys/version/${v2}`, undefined, bob)).status).toBe(200);
    expect((await req('GET', '/room_keys/version', undefined, bob)).body).toMatchObject({ version: v1 });
    expect((await req('DELETE', `/room_keys/version/${v2}`, undefined, bob)).status).toBe(404);
    expect((await req('GET', '/room_keys/version/nonsense', undefined, bob)).status).toBe(404);
  });

  test('keys: put at every level, read back, etag and count, better keys only, delete', async () => {
    const version = (await req<{ version: string }>('POST', '/room_keys/version', { algorithm: ALGORITHM, auth_data: {} })).body.version;
    const put1 = await req<Counts>('PUT', `/room_keys/keys?version=${version}`, {
      rooms: { '!r1:test.local': { sessions: { s1: key(5, 1, false, 'first'), s2: key(0, 0, false) } } },
    });
    expect(put1.body).toEqual({ etag: expect.any(String), count: 2 });
    const put2 = await req<Counts>('PUT', `/room_keys/keys/${encodeURIComponent('!r2:test.local')}?version=${version}`, { sessions: { s3: key(0, 0, true) } });
    expect(put2.body.count).toBe(3);
    expect(put2.body.etag).not.toBe(put1.body.etag);
    const put3 = await req<Counts>('PUT', `/room_keys/keys/${encodeURIComponent('!r2:test.local')}/s4?version=${version}`, key(1, 0, false));
    expect(put3.body.count).toBe(4);

    // Worse keys do not replace, and leave the etag alone.
    const s1 = `/room_keys/keys/${encodeURIComponent('!r1:test.local')}/s1?version=${version}`;
    const worse = await req<Counts>('PUT', s1, key(6, 1, false, 'worse'));
    expect(worse.body).toEqual(put3.body);
    expect((await req('PUT', s1, key(5, 2, false, 'more forwards'))).body).toEqual(put3.body);
    expect((await req('GET', s1)).body).toMatchObject({ session_data: { ciphertext: 'first' } });
    // A lower first index is better; verified beats everything.
    await req('PUT', s1, key(3, 9, false, 'earlier'));
    expect((await req('GET', s1)).body).toMatchObject({ first_message_index: 3, session_data: { ciphertext: 'earlier' } });
    await req('PUT', s1, key(9, 9, true, 'verified'));
    expect((await req('GET', s1)).body).toMatchObject({ is_verified: true, session_data: { ciphertext: 'verified' } });
    await req('PUT', s1, key(0, 0, false, 'unverified'));
    expect((await req('GET', s1)).body).toMatchObject({ session_data: { ciphertext: 'verified' } });

    const all = await req<{ rooms: Record<string, { sessions: Record<string, unknown> }> }>('GET', `/room_keys/keys?version=${version}`);
    expect(Object.keys(all.body.rooms).sort()).toEqual(['!r1:test.local', '!r2:test.local']);
    expect(Object.keys(all.body.rooms['!r2:test.local']!.sessions).sort()).toEqual(['s3', 's4']);
    const room = await req('GET', `/room_keys/keys/${encodeURIComponent('!r2:test.local')}?version=${version}`);
    expect(Object.keys((room.body as { sessions: object }).sessions).sort()).toEqual(['s3', 's4']);
    expect((await req('GET', `/room_keys/keys/${encodeURIComponent('!none:test.local')}?version=${version}`)).body).toEqual({ sessions: {} });
    expect((await req('GET', `/room_keys/keys/${encodeURIComponent('!r1:test.local')}/nope?version=${version}`)).status).toBe(404);

    const before = (await req<Counts>('GET', `/room_keys/version/${version}`)).body;
    const del = await req<Counts>('DELETE', `/room_keys/keys/${encodeURIComponent('!r2:test.local')}?version=${version}`);
    expect(del.body.count).toBe(2);
    expect(del.body.etag).not.toBe(before.etag);
    const delAll = await req<Counts>('DELETE', `/room_keys/keys?version=${version}`);
    expect(delAll.body.count).toBe(0);
  });

  test('writing to a version that is not the current one; missing or unknown versions; bad key data', async () => {
    const old = (await req<{ version: string }>('POST', '/room_keys/version', { algorithm: ALGORITHM, auth_data: {} })).body.version;
    const current = (await req<{ version: string }>('POST', '/room_keys/version', { algorithm: ALGORITHM, auth_data: {} })).body.version;
    const wrong = await req('PUT', `/room_keys/keys?version=${old}`, { rooms: {} });
    expect(wrong.status).toBe(403);
    expect(wrong.body).toMatchObject({ errcode: 'M_WRONG_ROOM_KEYS_VERSION', current_version: current });
    expect((await req('PUT', '/room_keys/keys', { rooms: {} })).body).toMatchObject({ errcode: 'M_MISSING_PARAM' });
    expect((await req('GET', '/room_keys/keys?version=424242')).status).toBe(404);
    // Reading an older version still works.
    expect((await req('GET', `/room_keys/keys?version=${old}`)).body).toEqual({ rooms: {} });
    const bad = await req('PUT', `/room_keys/keys?version=${current}`, { rooms: { '!r:test.local': { sessions: { s: { first_message_index: 'x' } } } } });
    expect(bad.body).toMatchObject({ errcode: 'M_BAD_JSON' });
    expect((await req<Counts>('GET', `/room_keys/version/${current}`)).body.count).toBe(0);
    const bob = await hs.createUser('nobackup');
    expect((await req('PUT', '/room_keys/keys?version=1', { rooms: {} }, bob)).status).toBe(404);
  });
});
