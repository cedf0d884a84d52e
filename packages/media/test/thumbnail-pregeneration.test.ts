/** thumbnail_sizes: the common sizes are generated right after an image upload; other uploads get none. */
import sharp from 'sharp';
import type { Credentials } from '../../client-api/test/support/test-server.js';
import { startMediaTestServer, upload, type MediaTestServer } from './support/media-server.js';

describe('thumbnail pre-generation (PostgreSQL)', () => {
  let hs: MediaTestServer;
  let alice: Credentials;

  beforeAll(async () => {
    hs = await startMediaTestServer('postgres', {
      thumbnail_sizes: [
        { width: 32, height: 32, method: 'crop' },
        { width: 320, height: 240, method: 'scale' },
      ],
    });
    alice = await hs.createUser('alice');
  });

  afterAll(async () => {
    await hs.close();
  });

  const thumbnails = async (mediaId: string) =>
    (await hs.db.query<{ width: number; height: number; method: string }>(
      'SELECT width, height, method FROM local_media_thumbnails WHERE media_id = $1 ORDER BY width',
      [mediaId],
    )).rows;

  test('an uploaded image gets the configured thumbnails without anyone asking', async () => {
    const jpeg = await sharp({ create: { width: 1000, height: 800, channels: 3, background: '#884422' } }).jpeg().toBuffer();
    const mediaId = await upload(hs, alice.access_token, jpeg, 'image/jpeg');
    let made = await thumbnails(mediaId);
    for (let i = 0; i < 300 && made.length < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      made = await thumbnails(mediaId);
    }
    expect(made).toEqual([
      { width: 32, height: 32, method: 'crop' },
      { width: 320, height: 240, method: 'scale' },
    ]);
  });

  test('non-images get none', async () => {
    const mediaId = await upload(hs, alice.access_token, Buffer.from('just text'), 'text/plain');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await thumbnails(mediaId)).toEqual([]);
  });
});
