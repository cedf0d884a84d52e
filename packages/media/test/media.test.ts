/** The media repository over real HTTP on both database drivers. */
import { request as httpRequest } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { DB_KINDS, SERVER_NAME, type Credentials } from '../../client-api/test/support/test-server.js';
import { MAX_UPLOAD_SIZE, binaryRequest, startMediaTestServer, upload, type MediaTestServer } from './support/media-server.js';

const CSP = "sandbox; default-src 'none'; script-src 'none'; plugin-types application/pdf; style-src 'unsafe-inline'; object-src 'self';";
const authed = (path: string) => `/_matrix/client/v1/media${path}`;

async function mediaRows(hs: MediaTestServer): Promise<number> {
  const { rows } = await hs.db.query<{ n: number }>('SELECT count(*) AS n FROM local_media');
  return rows[0].n;
}

/** A request path sent verbatim (fetch would normalise `..` away). */
function rawGet(hs: MediaTestServer, path: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(hs.url + '/', { method: 'GET', path, headers: { Authorization: `Bearer ${token}` } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.each(DB_KINDS)('media repository (%s)', (kind) => {
  let hs: MediaTestServer;
  let alice: Credentials;
  let bob: Credentials;
  beforeAll(async () => {
    hs = await startMediaTestServer(kind);
    alice = await hs.createUser('alice');
    bob = await hs.createUser('bob');
  });
  afterAll(async () => {
    await hs.close();
  });

  describe('upload and download', () => {
    test('round trip keeps the bytes, type and filename, with the safety headers', async () => {
      const data = Buffer.from('plain text with bytes \u00e9\u0000\u00ff', 'latin1');
      const mediaId = await upload(hs, alice.access_token, data, 'text/plain', 'notes.txt');
      expect(mediaId).toMatch(/^[A-Za-z0-9_-]+$/);
      const reply = await binaryRequest(hs, 'GET', authed(`/download/${SERVER_NAME}/${mediaId}`), { token: bob.access_token });
      expect(reply.status).toBe(200);
      expect(reply.bytes.equals(data)).toBe(true);
      expect(reply.headers.get('content-type')).toBe('text/plain');
      expect(reply.headers.get('content-disposition')).toBe('inline; filename="notes.txt"');
      expect(reply.headers.get('content-security-policy')).toBe(CSP);
      expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
      expect(reply.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    });

    test('content_uri names this server; no filename means none in the disposition', async () => {
      const reply = await binaryRequest(hs, 'POST', '/_matrix/media/v3/upload', { token: alice.access_token, body: Buffer.from('x') });
      const uri = reply.json().content_uri as string;
      expect(uri).toMatch(new RegExp(`^mxc://${SERVER_NAME}/[A-Za-z0-9_-]+$`));
      const download = await binaryRequest(hs, 'GET', authed(`/download/${uri.slice(6)}`), { token: alice.access_token });
      // No Content-Type on upload: the spec's default.
      expect(download.headers.get('content-type')).toBe('application/octet-stream');
      expect(download.headers.get('content-disposition')).toBe('attachment');
    });

    test('the fileName path segment overrides the name; non-ASCII names use filename*', async () => {
      const mediaId = await upload(hs, alice.access_token, Buffer.from('{}'), 'application/json', 'a.json');
      const reply = await binaryRequest(hs, 'GET', authed(`/download/${SERVER_NAME}/${mediaId}/${encodeURIComponent('résumé "1".json')}`), {
        token: alice.access_token,
      });
      expect(reply.headers.get('content-disposition')).toBe("inline; filename*=utf-8''r%C3%A9sum%C3%A9%20%221%22.json");
    });

    test('authenticated download requires an access token', async () => {
      const mediaId = await upload(hs, alice.access_token, Buffer.from('secret'), 'text/plain');
      const reply = await binaryRequest(hs, 'GET', authed(`/download/${SERVER_NAME}/${mediaId}`));
      expect(reply.status).toBe(401);
      expect(reply.json().errcode).toBe('M_MISSING_TOKEN');
      const bad = await binaryRequest(hs, 'GET', authed(`/download/${SERVER_NAME}/${mediaId}`), { token: 'nope' });
      expect(bad.json().errcode).toBe('M_UNKNOWN_TOKEN');
    });

    test('upload requires an access token', async () => {
      const rowsBefore = await mediaRows(hs);
      const reply = await binaryRequest(hs, 'POST', '/_matrix/media/v3/upload', { body: Buffer.from('x') });
      expect(reply.status).toBe(401);
      expect(await mediaRows(hs)).toBe(rowsBefore);
    });

    test('the deprecated unauthenticated endpoint serves local media', async () => {
      const mediaId = await upload(hs, alice.access_token, Buffer.from('legacy'), 'text/plain');
      const reply = await binaryRequest(hs, 'GET', `/_matrix/media/v3/download/${SERVER_NAME}/${mediaId}`);
      expect(reply.status).toBe(200);
      expect(reply.bytes.toString()).toBe('legacy');
      expect(reply.headers.get('content-security-policy')).toBe(CSP);
    });

    test('HTML and SVG are served as attachments', async () => {
      for (const type of ['text/html', 'image/svg+xml', 'application/javascript', 'TEXT/HTML; charset=utf-8']) {
        const mediaId = await upload(hs, alice.access_token, Buffer.from('<script>alert(1)</script>'), type, 'x.html');
        const reply = await binaryRequest(hs, 'GET', authed(`/download/${SERVER_NAME}/${mediaId}`), { token: alice.access_token });
        expect(reply.headers.get('content-type')).toBe(type);
        expect(reply.headers.get('content-disposition')).toBe('attachment; filename="x.html"');
        expect(reply.headers.get('content-security-policy')).toBe(CSP);
        expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
      }
    });

    test('Range requests are honoured', async () => {
      const mediaId = await upload(hs, alice.access_token, Buffer.from('0123456789'), 'video/mp4');
      const reply = await binaryRequest(hs, 'GET', authed(`/download/${SERVER_NAME}/${mediaId}`), {
        token: alice.access_token,
        headers: { Range: 'bytes=2-4' },
      });
      expect(reply.status).toBe(206);
      expect(reply.bytes.toString()).toBe('234');
    });

    test('unknown media is 404 M_NOT_FOUND, on both endpoints', async () => {
      for (const path of [authed(`/download/${SERVER_NAME}/doesNotExist123`), `/_matrix/media/v3/download/${SERVER_NAME}/doesNotExist123`]) {
        const reply = await binaryRequest(hs, 'GET', path, { token: alice.access_token });
        expect(reply.status).toBe(404);
        expect(reply.json().errcode).toBe('M_NOT_FOUND');
      }
    });

    test('config advertises the upload limit', async () => {
      for (const path of [authed('/config'), '/_matrix/media/v3/config']) {
        const reply = await hs.request('GET', path, { token: alice.access_token });
        expect(reply.status).toBe(200);
        expect(reply.body).toEqual({ 'm.upload.size': MAX_UPLOAD_SIZE });
      }
      expect((await hs.request('GET', authed('/config'))).status).toBe(401);
    });
  });

  describe('upload size limit', () => {
    test('a declared oversized upload is 413 M_TOO_LARGE and stores nothing', async () => {
      const rowsBefore = await mediaRows(hs);
      const filesBefore = await hs.storedFiles();
      const reply = await binaryRequest(hs, 'POST', '/_matrix/media/v3/upload', {
        token: alice.access_token,
        body: Buffer.alloc(MAX_UPLOAD_SIZE + 1),
      });
      expect(reply.status).toBe(413);
      expect(reply.json().errcode).toBe('M_TOO_LARGE');
      expect(await mediaRows(hs)).toBe(rowsBefore);
      expect(await hs.storedFiles()).toEqual(filesBefore);
    });

    test('a streamed (chunked) upload is cut off at the limit and stores nothing', async () => {
      const rowsBefore = await mediaRows(hs);
      const filesBefore = await hs.storedFiles();
      const chunk = new Uint8Array(64 * 1024);
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent > MAX_UPLOAD_SIZE * 2) controller.close();
          else {
            sent += chunk.length;
            controller.enqueue(chunk);
          }
        },
      });
      const reply = await binaryRequest(hs, 'POST', '/_matrix/media/v3/upload', { token: alice.access_token, body }).catch(() => undefined);
      // The server may close the connection before the client finishes sending; when it gets through, it is a 413.
      if (reply) {
        expect(reply.status).toBe(413);
        expect(reply.json().errcode).toBe('M_TOO_LARGE');
      }
      expect(await mediaRows(hs)).toBe(rowsBefore);
      expect(await hs.storedFiles()).toEqual(filesBefore);
    });

    test('an upload of exactly the limit is accepted', async () => {
      const mediaId = await upload(hs, alice.access_token, Buffer.alloc(MAX_UPLOAD_SIZE, 7), 'application/octet-stream');
      const reply = await binaryRequest(hs, 'GET', authed(`/download/${SERVER_NAME}/${mediaId}`), { token: alice.access_token });
      expect(reply.bytes.length).toBe(MAX_UPLOAD_SIZE);
    });
  });

  describe('async upload', () => {
    async function create(user: Credentials): Promise<{ mediaId: string; unused_expires_at: number }> {
      const reply = await hs.request<{ content_uri: string; unused_expires_at: number }>('POST', '/_matrix/media/v1/create', { token: user.access_token });
      expect(reply.status).toBe(200);
      expect(reply.body.content_uri).toMatch(new RegExp(`^mxc://${SERVER_NAME}/[A-Za-z0-9_-]+$`));
      return { mediaId: reply.body.content_uri.split('/').pop()!, unused_expires_at: reply.body.unused_expires_at };
    }
    const put = (user: Credentials, mediaId: string, data: string, server = SERVER_NAME) =>
      binaryRequest(hs, 'PUT', `/_matrix/media/v3/upload/${server}/${mediaId}?filename=late.txt`, {
        token: user.access_token,
        body: Buffer.from(data),
        headers: { 'Content-Type': 'text/plain' },
      });

    test('create, wait, upload once: the waiting download gets the bytes, a second upload is refused', async () => {
      const before = Date.now();
      const { mediaId, unused_expires_at } = await create(alice);
      expect(unused_expires_at).toBeGreaterThan(before);

      const early = await binaryRequest(hs, 'GET', authed(`/download/${SERVER_NAME}/${mediaId}?timeout_ms=50`), { token: bob.access_token });
      expect(early.status).toBe(504);
      expect(early.json().errcode).toBe('M_NOT_YET_UPLOADED');

      const waiting = binaryRequest(hs, 'GET', authed(`/download/${SERVER_NAME}/${mediaId}?timeout_ms=10000`), { token: bob.access_token });
      const stranger = await put(bob, mediaId, 'not yours');
      expect(stranger.status).toBe(403);
      expect(stranger.json().errcode).toBe('M_FORBIDDEN');

      const first = await put(alice, mediaId, 'arrived later');
      expect(first.status).toBe(200);
      expect(first.json()).toEqual({});
      const got = await waiting;
      expect(got.status).toBe(200);
      expect(got.bytes.toString()).toBe('arrived later');
      expect(got.headers.get('content-disposition')).toBe('inline; filename="late.txt"');

      const again = await put(alice, mediaId, 'overwrite');
      expect(again.status).toBe(409);
      expect(again.json().errcode).toBe('M_CANNOT_OVERWRITE_MEDIA');
      const after = await binaryRequest(hs, 'GET', authed(`/download/${SERVER_NAME}/${mediaId}`), { token: bob.access_token });
      expect(after.bytes.toString()).toBe('arrived later');
    });

    test('uploading to an id that was never created, or to another server, is 404 M_NOT_FOUND', async () => {
      for (const reply of [await put(alice, 'neverCreated123', 'x'), await put(alice, (await create(alice)).mediaId, 'x', 'other.example')]) {
        expect(reply.status).toBe(404);
        expect(reply.json().errcode).toBe('M_NOT_FOUND');
      }
    });

    test('an expired reservation is 404 M_NOT_FOUND for upload and download', async () => {
      const { mediaId } = await create(alice);
      await hs.db.query('UPDATE local_media SET unused_expires_ts = $2 WHERE media_id = $1', [mediaId, Date.now() - 1]);
      const reply = await put(alice, mediaId, 'too late');
      expect(reply.status).toBe(404);
      expect(reply.json().errcode).toBe('M_NOT_FOUND');
      const download = await binaryRequest(hs, 'GET', authed(`/download/${SERVER_NAME}/${mediaId}`), { token: alice.access_token });
      expect(download.status).toBe(404);
      expect(await hs.storedFiles()).not.toContainEqual(expect.stringContaining(mediaId.slice(4)));
    });

    test('an oversized async upload is refused and leaves the reservation usable', async () => {
      const { mediaId } = await create(alice);
      const big = await binaryRequest(hs, 'PUT', `/_matrix/media/v3/upload/${SERVER_NAME}/${mediaId}`, {
        token: alice.access_token,
        body: Buffer.alloc(MAX_UPLOAD_SIZE + 1),
      });
      expect(big.status).toBe(413);
      expect((await put(alice, mediaId, 'fits')).status).toBe(200);
    });
  });

  describe('path traversal', () => {
    const canary = 'CANARY-outside-the-store';
    beforeAll(async () => {
      await writeFile(join(dirname(hs.storePath), 'passwd'), canary);
    });

    test('traversal in media ids and server names is refused without touching files outside the store', async () => {
      const attempts = [
        `/download/${SERVER_NAME}/..%2F..%2Fpasswd`,
        `/download/${SERVER_NAME}/%2E%2E`,
        `/download/${SERVER_NAME}/..`,
        `/download/${SERVER_NAME}/..%252F..%252Fpasswd`,
        `/download/..%2F..%2F/passwd`,
        `/download/${SERVER_NAME}%2F..%2F../passwd`,
        `/download/${SERVER_NAME}/%C0%AE%C0%AE%C0%AFpasswd`,
        `/thumbnail/${SERVER_NAME}/..%2F..%2Fpasswd?width=32&height=32`,
      ];
      for (const path of attempts) {
        for (const prefix of ['/_matrix/client/v1/media', '/_matrix/media/v3']) {
          const reply = await rawGet(hs, prefix + path, alice.access_token);
          expect([400, 404]).toContain(reply.status);
          expect(reply.body).not.toContain(canary);
        }
      }
      const reply = await rawGet(hs, `/_matrix/client/v1/media/download/${SERVER_NAME}/..%2F..%2Fpasswd`, alice.access_token);
      expect(JSON.parse(reply.body).errcode).toBe('M_NOT_FOUND');
      const badServer = await rawGet(hs, `/_matrix/client/v1/media/download/bad%2Fserver/abcdef`, alice.access_token);
      expect(badServer.status).toBe(400);
    });

    test('traversal in an async upload id writes nothing', async () => {
      const filesBefore = await hs.storedFiles();
      const reply = await binaryRequest(hs, 'PUT', `/_matrix/media/v3/upload/${SERVER_NAME}/..%2F..%2Fpwned`, {
        token: alice.access_token,
        body: Buffer.from('x'),
      });
      expect(reply.status).toBe(404);
      expect(await hs.storedFiles()).toEqual(filesBefore);
    });
  });

  describe('thumbnails', () => {
    const thumb = (mediaId: string, query: string, token = alice.access_token) =>
      binaryRequest(hs, 'GET', authed(`/thumbnail/${SERVER_NAME}/${mediaId}?${query}`), { token });
    let pngId: string;
    beforeAll(async () => {
      const png = await sharp({ create: { width: 1000, height: 800, channels: 3, background: '#3366cc' } }).png().toBuffer();
      pngId = await upload(hs, alice.access_token, png, 'image/png', 'photo.png');
    });

    test('scale fits the smallest standard size covering the request, keeping the aspect', async () => {
      const reply = await thumb(pngId, 'width=100&height=100&method=scale');
      expect(reply.status).toBe(200);
      expect(reply.headers.get('content-type')).toBe('image/png');
      expect(reply.headers.get('content-disposition')).toBe('inline; filename="thumbnail.png"');
      expect(reply.headers.get('content-security-policy')).toBe(CSP);
      const meta = await sharp(reply.bytes).metadata();
      // 1000×800 into 320×240: height bound.
      expect([meta.width, meta.height]).toEqual([300, 240]);
    });

    test('crop fills the requested size exactly, and is cached on disk and in the database', async () => {
      const reply = await thumb(pngId, 'width=96&height=50&method=crop');
      const meta = await sharp(reply.bytes).metadata();
      expect([meta.width, meta.height]).toEqual([96, 50]);
      const { rows } = await hs.db.query('SELECT width, height, method, animated FROM local_media_thumbnails WHERE media_id = $1', [pngId]);
      expect(rows).toContainEqual({ width: 96, height: 50, method: 'crop', animated: false });
      const again = await thumb(pngId, 'width=96&height=50&method=crop');
      expect(again.bytes.equals(reply.bytes)).toBe(true);
    });

    test('never upscales: a larger request than the image gets the image size', async () => {
      const reply = await thumb(pngId, 'width=2000&height=2000&method=crop');
      const meta = await sharp(reply.bytes).metadata();
      expect([meta.width, meta.height]).toEqual([800, 800]);
      const scaled = await thumb(pngId, 'width=1200&height=1000&method=scale');
      expect((await sharp(scaled.bytes).metadata()).width).toBe(1000);
    });

    test('a small image is returned as the original', async () => {
      const small = await sharp({ create: { width: 20, height: 10, channels: 3, background: 'red' } }).jpeg().toBuffer();
      const mediaId = await upload(hs, alice.access_token, small, 'image/jpeg');
      const reply = await thumb(mediaId, 'width=32&height=32&method=scale');
      expect(reply.headers.get('content-type')).toBe('image/jpeg');
      expect(reply.bytes.equals(small)).toBe(true);
    });

    test('JPEG sources give JPEG thumbnails', async () => {
      const jpeg = await sharp({ create: { width: 640, height: 640, channels: 3, background: 'green' } }).jpeg().toBuffer();
      const mediaId = await upload(hs, alice.access_token, jpeg, 'image/jpeg');
      const reply = await thumb(mediaId, 'width=32&height=32&method=crop');
      expect(reply.headers.get('content-type')).toBe('image/jpeg');
      const meta = await sharp(reply.bytes).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 32, 32]);
    });

    test('animated GIFs animate only when asked', async () => {
      const frames = await Promise.all(
        ['red', 'blue', 'green'].map((c) => sharp({ create: { width: 400, height: 300, channels: 4, background: c } }).png().toBuffer()),
      );
      const gif = await sharp(frames, { join: { animated: true } }).gif().toBuffer();
      const mediaId = await upload(hs, alice.access_token, gif, 'image/gif');
      const animated = await thumb(mediaId, 'width=96&height=96&method=crop&animated=true');
      expect(animated.headers.get('content-type')).toBe('image/webp');
      const meta = await sharp(animated.bytes).metadata();
      expect([meta.width, meta.pages]).toEqual([96, 3]);
      for (const query of ['width=96&height=96&method=crop&animated=false', 'width=96&height=96&method=crop']) {
        const still = await thumb(mediaId, query);
        expect(still.headers.get('content-type')).toBe('image/png');
        expect((await sharp(still.bytes).metadata()).pages ?? 1).toBe(1);
      }
    });

    test('content that is not a decodable image is refused', async () => {
      const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="500" height="500"/>');
      for (const [data, type] of [
        [svg, 'image/svg+xml'],
        [svg, 'image/png'],
        [Buffer.from('not an image'), 'text/plain'],
      ] as const) {
        const mediaId = await upload(hs, alice.access_token, data, type);
        const reply = await thumb(mediaId, 'width=32&height=32');
        expect(reply.status).toBe(400);
        expect(reply.json().errcode).toBe('M_UNKNOWN');
      }
    });

    test('images above the pixel limit are 413 M_TOO_LARGE', async () => {
      const huge = await sharp({ create: { width: 6000, height: 6000, channels: 3, background: 'white' } }).png({ compressionLevel: 9 }).toBuffer();
      expect(huge.length).toBeLessThanOrEqual(MAX_UPLOAD_SIZE);
      const mediaId = await upload(hs, alice.access_token, huge, 'image/png');
      const reply = await thumb(mediaId, 'width=32&height=32&method=crop');
      expect(reply.status).toBe(413);
      expect(reply.json().errcode).toBe('M_TOO_LARGE');
    });

    test('bad parameters are 400; a token is required', async () => {
      expect((await thumb(pngId, 'height=32')).json().errcode).toBe('M_MISSING_PARAM');
      expect((await thumb(pngId, 'width=-1&height=32')).json().errcode).toBe('M_INVALID_PARAM');
      expect((await thumb(pngId, 'width=32&height=32&method=stretch')).json().errcode).toBe('M_INVALID_PARAM');
      const anonymous = await binaryRequest(hs, 'GET', authed(`/thumbnail/${SERVER_NAME}/${pngId}?width=32&height=32`));
      expect(anonymous.status).toBe(401);
    });
  });
});
