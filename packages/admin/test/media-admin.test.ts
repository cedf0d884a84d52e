/**
 * The media admin API (Synapse's media_admin_api) over real uploads: listing
 * a room's media, quarantine (by id, room and user) refused on download,
 * protection, media info, deletion of one item, bulk deletion by age and size,
 * and purging the remote media cache, with the files gone from the store.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import S3rver from 's3rver';
import { MediaPaths } from '../../media/src/store/media-paths.js';
import { S3Storage } from '../../media/src/store/s3-storage.js';
import { DB_KINDS, SERVER_NAME, v3, type Credentials } from '../../client-api/test/support/test-server.js';
import { createRoom, sendEvent } from '../../client-api/test/support/rooms.js';
import { enc, startModerationServer, type ModerationTestServer } from './support/moderation-server.js';

const REMOTE = 'remote.example';

describe.each(DB_KINDS)('media admin on %s', (kind) => {
  let hs: ModerationTestServer;
  let alice: Credentials;
  let bob: Credentials;

  beforeAll(async () => {
    hs = await startModerationServer(kind);
    alice = await hs.createUser('alice');
    bob = await hs.createUser('bob');
  });
  afterAll(() => hs.close());

  async function upload(user: Credentials, bytes: number | string = 'hello'): Promise<string> {
    const body = typeof bytes === 'number' ? Buffer.alloc(bytes, 7) : Buffer.from(bytes);
    const reply = await hs.request<{ content_uri: string }>('POST', '/_matrix/media/v3/upload', {
      token: user.access_token,
      raw: body,
      headers: { 'Content-Type': 'application/octet-stream' },
    });
    expect(reply.status).toBe(200);
    return reply.body.content_uri.split('/').pop()!;
  }

  const download = async (mediaId: string, server = SERVER_NAME) =>
    (await fetch(`${hs.url}/_matrix/client/v1/media/download/${server}/${mediaId}`, { headers: { Authorization: `Bearer ${bob.access_token}` } })).status;

  /** Media of another server as the remote media cache stores it: a row and its file. */
  async function cacheRemote(mediaId: string, createdTs: number): Promise<string> {
    await hs.db.query(
      `INSERT INTO remote_media_cache (media_origin, media_id, content_type, upload_name, media_length, created_ts)
       VALUES ($1, $2, 'image/png', 'r.png', 3, $3)`,
      [REMOTE, mediaId, createdTs],
    );
    const path = join(hs.storePath, 'remote_content', REMOTE, mediaId.slice(0, 2), mediaId.slice(2, 4), mediaId.slice(4));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, 'abc');
    return path.slice(hs.storePath.length + 1);
  }

  const post = (path: string) => hs.adminRequest('POST', path, { body: {} });
  const mediaInfo = async (mediaId: string, server = SERVER_NAME) =>
    (await hs.adminRequest<{ media_info: Record<string, unknown> }>('GET', `/v1/media/${server}/${mediaId}`)).body.media_info;

  test("a room's media; quarantine by id, by room and by user; protection", async () => {
    const [image, thumb, other] = [await upload(alice), await upload(alice), await upload(alice)];
    await cacheRemote('remoteRoomMedia1', Date.now());
    const roomId = await createRoom(hs, alice, { preset: 'public_chat' });
    await sendEvent(hs, alice, roomId, 'm.room.message', {
      msgtype: 'm.image',
      body: 'pic',
      url: `mxc://${SERVER_NAME}/${image}`,
      info: { thumbnail_url: `mxc://${SERVER_NAME}/${thumb}` },
    });
    await sendEvent(hs, alice, roomId, 'm.room.message', { msgtype: 'm.image', body: 'theirs', url: `mxc://${REMOTE}/remoteRoomMedia1` });
    const listed = await hs.adminRequest('GET', `/v1/room/${enc(roomId)}/media`);
    expect(listed.body).toEqual({
      local: [`mxc://${SERVER_NAME}/${image}`, `mxc://${SERVER_NAME}/${thumb}`],
      remote: [`mxc://${REMOTE}/remoteRoomMedia1`],
    });
    expect((await hs.adminRequest('GET', `/v1/room/${enc(`!nope:${SERVER_NAME}`)}/media`)).status).toBe(404);

    // By id: refused on download until unquarantined.
    expect(await download(image)).toBe(200);
    expect((await post(`/v1/media/quarantine/${SERVER_NAME}/${image}`)).body).toEqual({});
    expect(await download(image)).toBe(404);
    expect(await mediaInfo(image)).toMatchObject({ quarantined_by: hs.admin.user_id });
    expect((await post(`/v1/media/unquarantine/${SERVER_NAME}/${image}`)).body).toEqual({});
    expect(await download(image)).toBe(200);

    // By room: the local and the cached remote media its events use.
    expect((await post(`/v1/room/${enc(roomId)}/media/quarantine`)).body).toEqual({ num_quarantined: 3 });
    expect([await download(image), await download(thumb), await download(other)]).toEqual([404, 404, 200]);
    expect(await mediaInfo('remoteRoomMedia1', REMOTE)).toMatchObject({ media_origin: REMOTE, quarantined_by: hs.admin.user_id });
    for (const id of [image, thumb]) await post(`/v1/media/unquarantine/${SERVER_NAME}/${id}`);

    // By user, protected media excepted.
    expect((await post(`/v1/media/protect/${other}`)).body).toEqual({});
    expect(await mediaInfo(other)).toMatchObject({ safe_from_quarantine: true });
    const byUser = await post(`/v1/user/${enc(alice.user_id)}/media/quarantine`);
    expect(byUser.body).toEqual({ num_quarantined: 2 });
    expect([await download(image), await download(thumb), await download(other)]).toEqual([404, 404, 200]);
    // Protected media cannot be quarantined by id either.
    await post(`/v1/media/quarantine/${SERVER_NAME}/${other}`);
    expect(await download(other)).toBe(200);
    expect((await post(`/v1/media/unprotect/${other}`)).body).toEqual({});
    expect(await mediaInfo(other)).toMatchObject({ safe_from_quarantine: false });
    expect((await post('/v1/media/protect/unknownMediaId1')).status).toBe(404);
  });

  test('media info of local and cached remote media; 404 for unknown, 400 for a malformed server', async () => {
    const mediaId = await upload(bob, 'twelve bytes');
    expect(await mediaInfo(mediaId)).toMatchObject({
      media_id: mediaId,
      media_type: 'application/octet-stream',
      media_length: 12,
      user_id: bob.user_id,
      quarantined_by: null,
      safe_from_quarantine: false,
    });
    await cacheRemote('remoteInfoMedia1', 1234);
    expect(await mediaInfo('remoteInfoMedia1', REMOTE)).toMatchObject({
      media_origin: REMOTE,
      media_id: 'remoteInfoMedia1',
      media_type: 'image/png',
      media_length: 3,
      upload_name: 'r.png',
      created_ts: 1234,
      quarantined_by: null,
    });
    const unknown = await hs.adminRequest('GET', `/v1/media/${SERVER_NAME}/unknownMediaId1`);
    expect([unknown.status, unknown.body.errcode]).toEqual([404, 'M_NOT_FOUND']);
    expect((await hs.adminRequest('GET', '/v1/media/bad..server/abc')).status).toBe(400);
  });

  test('DELETE one local media: the row and its files go', async () => {
    const mediaId = await upload(bob);
    const stored = (await hs.storedFiles()).filter((f) => f.includes(mediaId.slice(4)));
    expect(stored).toHaveLength(1);
    const reply = await hs.adminRequest('DELETE', `/v1/media/${SERVER_NAME}/${mediaId}`);
    expect(reply.body).toEqual({ deleted_media: [mediaId], total: 1 });
    expect(await hs.storedFiles()).not.toContain(stored[0]);
    expect(await download(mediaId)).toBe(404);
    const again = await hs.adminRequest('DELETE', `/v1/media/${SERVER_NAME}/${mediaId}`);
    expect([again.status, again.body.errcode]).toEqual([404, 'M_NOT_FOUND']);
    expect((await hs.adminRequest('DELETE', `/v1/media/${REMOTE}/remoteInfoMedia1`)).status).toBe(400);
  });

  test('bulk deletion by age and size keeps small, protected, quarantined and avatar media', async () => {
    const carol = await hs.createUser('carol');
    const [small, large, guarded, quarantined, avatar] = [await upload(carol, 5), await upload(carol, 500), await upload(carol, 500), await upload(carol, 500), await upload(carol, 500)];
    await post(`/v1/media/protect/${guarded}`);
    await post(`/v1/media/quarantine/${SERVER_NAME}/${quarantined}`);
    const profile = await hs.request('PUT', v3(`/profile/${enc(carol.user_id)}/avatar_url`), {
      token: carol.access_token,
      body: { avatar_url: `mxc://${SERVER_NAME}/${avatar}` },
    });
    expect(profile.status).toBe(200);

    const missing = await post('/v1/media/delete');
    expect([missing.status, missing.body.errcode]).toEqual([400, 'M_MISSING_PARAM']);
    const seconds = await post(`/v1/media/delete?before_ts=${Math.floor(Date.now() / 1000)}`);
    expect([seconds.status, seconds.body.errcode]).toEqual([400, 'M_INVALID_PARAM']);
    expect((await post(`/v1/media/${REMOTE}/delete?before_ts=${Date.now()}`)).status).toBe(400);

    const before = Date.now() + 1;
    // Nothing uploaded before an earlier time.
    expect((await post(`/v1/media/delete?before_ts=${before - 3_600_000}&size_gt=100`)).body).toEqual({ deleted_media: [], total: 0 });
    const deleted = await post(`/v1/media/delete?before_ts=${before}&size_gt=100`);
    expect(deleted.body.deleted_media).toContain(large);
    for (const kept of [small, guarded, quarantined, avatar]) expect(deleted.body.deleted_media).not.toContain(kept);
    expect([await download(large), await download(small), await download(guarded), await download(avatar)]).toEqual([404, 200, 200, 200]);
    expect((await hs.storedFiles()).some((f) => f.endsWith(large.slice(4)))).toBe(false);

    const withProfiles = await post(`/v1/${`media/${SERVER_NAME}/delete`}?before_ts=${before}&size_gt=100&keep_profiles=false`);
    expect(withProfiles.body).toEqual({ deleted_media: [avatar], total: 1 });
  });

  test('purge_media_cache deletes remote media cached before a time (quarantined kept), rows and files', async () => {
    const old = await cacheRemote('remotePurgeOld1', 1000);
    const kept = await cacheRemote('remotePurgeKept1', 1000);
    await post(`/v1/media/quarantine/${REMOTE}/remotePurgeKept1`);
    const recent = Date.now() + 60_000;
    const before = await hs.storedFiles();
    expect(before).toEqual(expect.arrayContaining([old, kept]));
    expect((await post('/v1/purge_media_cache')).status).toBe(400);
    const reply = await post(`/v1/purge_media_cache?before_ts=${recent}`);
    expect(reply.status).toBe(200);
    const after = await hs.storedFiles();
    expect(after).not.toContain(old);
    expect(after).toContain(kept);
    expect((await hs.adminRequest('GET', `/v1/media/${REMOTE}/remotePurgeOld1`)).status).toBe(404);
    // Every unquarantined cached item older than `recent` went: the ones earlier tests cached too.
    const { rows } = await hs.db.query<{ media_id: string }>('SELECT media_id FROM remote_media_cache ORDER BY media_id');
    expect(rows.map((r) => r.media_id)).toEqual(['remotePurgeKept1', 'remoteRoomMedia1']);
    expect(reply.body.deleted).toBe(2);
  });

  test('non-admins get 403 M_FORBIDDEN for every media admin endpoint and change nothing', async () => {
    const mediaId = await upload(bob);
    for (const [method, path] of [
      ['GET', `/v1/media/${SERVER_NAME}/${mediaId}`],
      ['DELETE', `/v1/media/${SERVER_NAME}/${mediaId}`],
      ['POST', `/v1/media/quarantine/${SERVER_NAME}/${mediaId}`],
      ['POST', `/v1/media/unquarantine/${SERVER_NAME}/${mediaId}`],
      ['POST', `/v1/media/protect/${mediaId}`],
      ['POST', `/v1/media/unprotect/${mediaId}`],
      ['POST', `/v1/user/${enc(bob.user_id)}/media/quarantine`],
      ['POST', `/v1/room/${enc(`!r:${SERVER_NAME}`)}/media/quarantine`],
      ['GET', `/v1/room/${enc(`!r:${SERVER_NAME}`)}/media`],
      ['POST', `/v1/media/delete?before_ts=${Date.now() + 1000}`],
      ['POST', `/v1/purge_media_cache?before_ts=${Date.now() + 1000}`],
    ] as const) {
      const reply = await hs.adminRequest(method, path, { token: bob.access_token, body: method === 'POST' ? {} : undefined });
      expect([path, reply.status, reply.body.errcode]).toEqual([path, 403, 'M_FORBIDDEN']);
    }
    expect(await download(mediaId)).toBe(200);
    expect(await mediaInfo(mediaId)).toMatchObject({ quarantined_by: null, safe_from_quarantine: false });
  });
});

describe('media deletion with an S3-compatible bucket (PostgreSQL)', () => {
  const BUCKET = 'lattice-media';
  let dir: string;
  let s3: S3rver;
  let hs: ModerationTestServer;
  let settings: () => { bucket: string; endpoint_url: string; region_name: string; access_key_id: string; secret_access_key: string; prefix: string };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lattice-admin-s3-'));
    s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: BUCKET, configs: [] }] });
    const { port } = (await s3.run()) as { port: number };
    settings = () => ({ bucket: BUCKET, endpoint_url: `http://127.0.0.1:${port}`, region_name: 'us-east-1', access_key_id: 'S3RVER', secret_access_key: 'S3RVER', prefix: 'media/' });
    hs = await startModerationServer('postgres', { config: { media_storage_s3: settings() } });
  });

  afterAll(async () => {
    await hs?.close();
    await s3?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test("deleting media removes the bucket's copy too", async () => {
    const alice = await hs.createUser('alice');
    const reply = await hs.request<{ content_uri: string }>('POST', '/_matrix/media/v3/upload', {
      token: alice.access_token,
      raw: Buffer.from('in the bucket'),
      headers: { 'Content-Type': 'text/plain' },
    });
    const mediaId = reply.body.content_uri.split('/').pop()!;
    const key = new MediaPaths(hs.storePath).relative(new MediaPaths(hs.storePath).localContent(mediaId));
    const inBucket = () => new S3Storage(settings()).get(key, join(dir, `copy-${Math.random()}`), join(dir, `tmp-${Math.random()}`), 1024);
    expect(await inBucket()).toBe(true);
    expect((await hs.adminRequest('DELETE', `/v1/media/${SERVER_NAME}/${mediaId}`)).body).toEqual({ deleted_media: [mediaId], total: 1 });
    expect(await inBucket()).toBe(false);
  });
});
