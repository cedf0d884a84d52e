/** Per-user upload quotas (media_upload_limits): 403 M_FORBIDDEN past a limit, nothing stored, other users unaffected. */
import { DB_KINDS, type Credentials } from '../../client-api/test/support/test-server.js';
import { binaryRequest, startMediaTestServer, upload, type MediaTestServer } from './support/media-server.js';

const KIB = 1024;

describe.each(DB_KINDS)('upload quotas (%s)', (kind) => {
  let hs: MediaTestServer;
  let alice: Credentials;
  let bob: Credentials;

  beforeAll(async () => {
    // 100 KiB per hour, and a looser daily limit that never binds first here.
    hs = await startMediaTestServer(kind, {
      media_upload_limits: [
        { time_period_ms: 3_600_000, max_size: 100 * KIB },
        { time_period_ms: 86_400_000, max_size: 1024 * KIB },
      ],
    });
    alice = await hs.createUser('alice');
    bob = await hs.createUser('bob');
  });

  afterAll(async () => {
    await hs.close();
  });

  async function tryUpload(who: Credentials, bytes: number): Promise<{ status: number; errcode?: unknown }> {
    const reply = await binaryRequest(hs, 'POST', '/_matrix/media/v3/upload', {
      token: who.access_token,
      body: Buffer.alloc(bytes, 1),
      headers: { 'Content-Type': 'application/octet-stream' },
    });
    return reply.status === 200 ? { status: 200 } : { status: reply.status, errcode: reply.json().errcode };
  }

  test('uploads within the quota succeed; the one that would exceed it is 403 M_FORBIDDEN and stores nothing', async () => {
    await upload(hs, alice.access_token, Buffer.alloc(60 * KIB, 1), 'application/octet-stream');
    await upload(hs, alice.access_token, Buffer.alloc(30 * KIB, 1), 'application/octet-stream');
    const files = await hs.storedFiles();
    expect(await tryUpload(alice, 20 * KIB)).toEqual({ status: 403, errcode: 'M_FORBIDDEN' });
    expect(await hs.storedFiles()).toEqual(files);
    // What still fits is accepted: exactly up to the limit.
    expect(await tryUpload(alice, 10 * KIB)).toEqual({ status: 200 });
    expect(await tryUpload(alice, 1)).toEqual({ status: 403, errcode: 'M_FORBIDDEN' });
  });

  test('quotas are per user', async () => {
    expect(await tryUpload(bob, 90 * KIB)).toEqual({ status: 200 });
  });

  test('an async upload (create + PUT) counts against the same quota', async () => {
    const carol = await hs.createUser('carol');
    await upload(hs, carol.access_token, Buffer.alloc(100 * KIB, 1), 'application/octet-stream');
    const created = await hs.request<{ content_uri: string }>('POST', '/_matrix/media/v1/create', { token: carol.access_token });
    const [serverName, mediaId] = created.body.content_uri.slice('mxc://'.length).split('/');
    const put = await binaryRequest(hs, 'PUT', `/_matrix/media/v3/upload/${serverName}/${mediaId}`, {
      token: carol.access_token,
      body: Buffer.alloc(KIB, 1),
      headers: { 'Content-Type': 'application/octet-stream' },
    });
    expect(put.status).toBe(403);
    expect(put.json().errcode).toBe('M_FORBIDDEN');
  });

  test('uploads older than the period no longer count', async () => {
    const dave = await hs.createUser('dave');
    await upload(hs, dave.access_token, Buffer.alloc(100 * KIB, 1), 'application/octet-stream');
    expect((await tryUpload(dave, KIB)).status).toBe(403);
    // Two hours ago: outside the hourly window, still inside the daily one (1 MiB).
    await hs.db.query('UPDATE local_media SET upload_ts = upload_ts - 7200000 WHERE user_id = $1', [dave.user_id]);
    expect(await tryUpload(dave, 50 * KIB)).toEqual({ status: 200 });
  });
});
