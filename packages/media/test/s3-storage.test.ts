/**
 * The S3 backend (media_storage_s3) against s3rver, a third-party
 * S3-compatible server (it does not check SigV4 signatures: s3-signing.test.ts
 * checks ours against AWS's worked example): uploads land in the bucket before
 * they are acknowledged, and a file missing on local disk is fetched back from it.
 */
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import type { Credentials } from '../../client-api/test/support/test-server.js';
import { binaryRequest, startMediaTestServer, upload, type MediaTestServer } from './support/media-server.js';
import { MediaPaths } from '../src/store/media-paths.js';
import { S3Storage } from '../src/store/s3-storage.js';

const BUCKET = 'lattice-media';

describe('media in an S3-compatible bucket (PostgreSQL)', () => {
  let dir: string;
  let s3: S3rver;
  let endpoint: string;
  let hs: MediaTestServer;
  let alice: Credentials;
  const settings = () => ({ bucket: BUCKET, endpoint_url: endpoint, region_name: 'us-east-1', access_key_id: 'S3RVER', secret_access_key: 'S3RVER', prefix: 'media/' });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lattice-s3-'));
    s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: BUCKET, configs: [] }] });
    const { port } = (await s3.run()) as { port: number };
    endpoint = `http://127.0.0.1:${port}`;
    hs = await startMediaTestServer('postgres', { media_storage_s3: settings() });
    alice = await hs.createUser('alice');
  });

  afterAll(async () => {
    await hs?.close();
    await s3?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('an upload is in the bucket once acknowledged, and survives losing the local file', async () => {
    const bytes = Buffer.from('kept in the bucket');
    const mediaId = await upload(hs, alice.access_token, bytes, 'text/plain', 'kept.txt');
    const paths = new MediaPaths(hs.storePath);
    const local = paths.localContent(mediaId);
    // Straight from the bucket, with our own signed GET.
    const copy = path.join(dir, 'copy');
    expect(await new S3Storage(settings()).get(paths.relative(local), copy, path.join(dir, 'tmp'), 1024)).toBe(true);
    await unlink(local);
    const reply = await binaryRequest(hs, 'GET', `/_matrix/client/v1/media/download/test.local/${mediaId}`, { token: alice.access_token });
    expect(reply.status).toBe(200);
    expect(reply.bytes.equals(bytes)).toBe(true);
    expect((await hs.storedFiles()).some((f) => f.endsWith(mediaId.slice(4)))).toBe(true);
  });

  test('the bucket refusing a file fails the upload and records nothing', async () => {
    const bad = await startMediaTestServer('postgres', { media_storage_s3: { ...settings(), bucket: 'no-such-bucket' } });
    try {
      const bob = await bad.createUser('bob');
      const reply = await binaryRequest(bad, 'POST', '/_matrix/media/v3/upload', {
        token: bob.access_token,
        body: Buffer.from('nope'),
        headers: { 'Content-Type': 'text/plain' },
      });
      expect(reply.status).toBe(500);
      const { rows } = await bad.db.query('SELECT 1 FROM local_media');
      expect(rows).toHaveLength(0);
    } finally {
      await bad.close();
    }
  });

  test('media neither on disk nor in the bucket is 404', async () => {
    const mediaId = await upload(hs, alice.access_token, Buffer.from('gone'), 'text/plain');
    const paths = new MediaPaths(hs.storePath);
    await unlink(paths.localContent(mediaId));
    const key = `media/${paths.relative(paths.localContent(mediaId))}`;
    const url = `${endpoint}/${BUCKET}/${key}`;
    const { signS3Request } = await import('../src/store/s3-signing.js');
    const del = await fetch(url, { method: 'DELETE', headers: signS3Request('DELETE', new URL(url), {}, { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', region: 'us-east-1' }) });
    expect(del.status).toBe(204);
    const reply = await binaryRequest(hs, 'GET', `/_matrix/client/v1/media/download/test.local/${mediaId}`, { token: alice.access_token });
    expect(reply.status).toBe(404);
  });
});
