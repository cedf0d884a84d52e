/** matrix-js-sdk against the media repository: uploadContent, then the authenticated download URL it builds. */
import { createClient, type MatrixClient } from 'matrix-js-sdk';
import type { Credentials } from '../../client-api/test/support/test-server.js';
import { startMediaTestServer, type MediaTestServer } from './support/media-server.js';

describe('matrix-js-sdk media', () => {
  let hs: MediaTestServer;
  let alice: Credentials;
  let client: MatrixClient;
  beforeAll(async () => {
    hs = await startMediaTestServer('pglite');
    alice = await hs.createUser('alice');
    client = createClient({ baseUrl: hs.url, accessToken: alice.access_token, userId: alice.user_id, deviceId: alice.device_id });
  });
  afterAll(async () => {
    client.stopClient();
    await hs.close();
  });

  test('uploadContent returns an mxc:// URI whose authenticated download gives the bytes back', async () => {
    const data = Buffer.from('hello from matrix-js-sdk');
    const { content_uri } = await client.uploadContent(data, { type: 'text/plain', name: 'hello.txt' });
    expect(content_uri).toMatch(/^mxc:\/\/test\.local\/[A-Za-z0-9_-]+$/);

    const url = client.mxcUrlToHttp(content_uri, undefined, undefined, undefined, false, true, true);
    expect(url).toContain('/_matrix/client/v1/media/download/');
    const res = await fetch(url!, { headers: { Authorization: `Bearer ${alice.access_token}` } });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(data)).toBe(true);
    expect(res.headers.get('content-disposition')).toBe('inline; filename="hello.txt"');

    const anonymous = await fetch(url!);
    expect(anonymous.status).toBe(401);
  });

  test('getMediaConfig reads the upload limit', async () => {
    const config = await client.getMediaConfig(true);
    expect(config['m.upload.size']).toBe(hs.ctx.config.max_upload_size);
  });
});
