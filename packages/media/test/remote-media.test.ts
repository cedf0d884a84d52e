/**
 * Remote media: server B fetches media of server A through A's federation
 * media endpoints (multipart/mixed), caches it, and serves it to its own users.
 * Here B reaches A through a transport that calls A over plain HTTP and counts
 * requests; the X-Matrix-signed federation transport is wired by the homeserver
 * (tested in tests/federation).
 */
import type { RequestHandler } from 'express';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import type { RawAnswer, RemoteMediaTransport } from '@lattice/media';
import type { Credentials } from '../../client-api/test/support/test-server.js';
import { binaryRequest, startMediaTestServer, upload, type MediaTestServer } from './support/media-server.js';

const ORIGIN = 'origin.test';
const authed = (path: string) => `/_matrix/client/v1/media${path}`;

async function rawAnswer(res: Response): Promise<RawAnswer> {
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => (headers[name] = value));
  return { status: res.status, headers, body: Buffer.from(await res.arrayBuffer()) };
}

describe('remote media over the federation media endpoints (PostgreSQL)', () => {
  let origin: MediaTestServer;
  let local: MediaTestServer;
  let alice: Credentials;
  let bob: Credentials;
  const requests: string[] = [];
  /** Requests the origin's federation routes refuse (stands in for X-Matrix; counts what reaches them). */
  let originAuthOk = true;
  /** A plain web server media may be redirected to. */
  let redirectTarget: http.Server;
  let redirectUrl: string;

  beforeAll(async () => {
    const federationAuth: RequestHandler = (req, res, next) => {
      requests.push(req.path);
      if (!originAuthOk) res.status(401).json({ errcode: 'M_UNAUTHORIZED', error: 'no' });
      else next();
    };
    origin = await startMediaTestServer('postgres', { server_name: ORIGIN }, { federationAuth });
    const transport: RemoteMediaTransport = {
      signedGet: async (destination, path) => {
        if (destination !== ORIGIN) throw new Error(`unexpected destination ${destination}`);
        return rawAnswer(await fetch(origin.url + path));
      },
      fetchUrl: async (url) => rawAnswer(await fetch(url)),
    };
    local = await startMediaTestServer('postgres', {}, { remote: transport });
    alice = await origin.createUser('alice');
    bob = await local.createUser('bob');
    redirectTarget = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Disposition': 'attachment; filename="moved.txt"' });
      res.end('redirected bytes');
    });
    await new Promise<void>((resolve) => redirectTarget.listen(0, '127.0.0.1', resolve));
    redirectUrl = `http://127.0.0.1:${(redirectTarget.address() as AddressInfo).port}/media`;
  });

  afterAll(async () => {
    await local.close();
    await origin.close();
    redirectTarget.close();
  });

  test('a remote file is fetched once, cached, and served with its name and type', async () => {
    const mediaId = await upload(origin, alice.access_token, Buffer.from('hello from origin'), 'text/plain', 'greeting.txt');
    requests.length = 0;
    const [first, second] = await Promise.all([
      binaryRequest(local, 'GET', authed(`/download/${ORIGIN}/${mediaId}`), { token: bob.access_token }),
      binaryRequest(local, 'GET', authed(`/download/${ORIGIN}/${mediaId}`), { token: bob.access_token }),
    ]);
    for (const reply of [first, second]) {
      expect(reply.status).toBe(200);
      expect(reply.bytes.toString()).toBe('hello from origin');
      expect(reply.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(reply.headers.get('content-disposition')).toContain('greeting.txt');
    }
    // Concurrent requests shared one fetch; a later one is served from the cache.
    expect(requests).toEqual([`/_matrix/federation/v1/media/download/${mediaId}`]);
    const third = await binaryRequest(local, 'GET', authed(`/download/${ORIGIN}/${mediaId}`), { token: bob.access_token });
    expect(third.bytes.toString()).toBe('hello from origin');
    expect(requests).toHaveLength(1);
  });

  test('remote HTML is served as an attachment with the sandboxing CSP', async () => {
    const mediaId = await upload(origin, alice.access_token, Buffer.from('<script>alert(1)</script>'), 'text/html', 'x.html');
    const reply = await binaryRequest(local, 'GET', authed(`/download/${ORIGIN}/${mediaId}`), { token: bob.access_token });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-disposition')).toMatch(/^attachment/);
    expect(reply.headers.get('content-security-policy')).toContain('sandbox');
    expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
  });

  test('remote thumbnails come from the origin and are cached per size', async () => {
    const png = await sharp({ create: { width: 200, height: 100, channels: 3, background: '#3366ff' } }).png().toBuffer();
    const mediaId = await upload(origin, alice.access_token, png, 'image/png');
    requests.length = 0;
    const path = authed(`/thumbnail/${ORIGIN}/${mediaId}?width=32&height=32&method=crop`);
    const reply = await binaryRequest(local, 'GET', path, { token: bob.access_token });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('image/png');
    expect(await sharp(reply.bytes).metadata()).toMatchObject({ width: 32, height: 32 });
    await binaryRequest(local, 'GET', path, { token: bob.access_token });
    expect(requests).toEqual([`/_matrix/federation/v1/media/thumbnail/${mediaId}`]);
  });

  test('unknown remote media is 404; a failing origin is 502; nothing is cached', async () => {
    const unknown = await binaryRequest(local, 'GET', authed(`/download/${ORIGIN}/doesNotExist123`), { token: bob.access_token });
    expect(unknown.status).toBe(404);
    expect(unknown.json().errcode).toBe('M_NOT_FOUND');
    const mediaId = await upload(origin, alice.access_token, Buffer.from('secret'), 'text/plain');
    originAuthOk = false;
    try {
      const refused = await binaryRequest(local, 'GET', authed(`/download/${ORIGIN}/${mediaId}`), { token: bob.access_token });
      expect(refused.status).toBe(502);
    } finally {
      originAuthOk = true;
    }
    const { rows } = await local.db.query('SELECT 1 FROM remote_media_cache WHERE media_id = $1', [mediaId]);
    expect(rows).toHaveLength(0);
  });

  test('the unauthenticated legacy endpoints never fetch remote media, but serve what is cached', async () => {
    const mediaId = await upload(origin, alice.access_token, Buffer.from('legacy'), 'text/plain');
    requests.length = 0;
    const before = await binaryRequest(local, 'GET', `/_matrix/media/v3/download/${ORIGIN}/${mediaId}`);
    expect(before.status).toBe(404);
    expect(requests).toHaveLength(0);
    await binaryRequest(local, 'GET', authed(`/download/${ORIGIN}/${mediaId}`), { token: bob.access_token });
    const after = await binaryRequest(local, 'GET', `/_matrix/media/v3/download/${ORIGIN}/${mediaId}`);
    expect(after.status).toBe(200);
    expect(after.bytes.toString()).toBe('legacy');
  });

  test('the federation endpoints answer multipart/mixed with metadata and the bytes', async () => {
    const mediaId = await upload(origin, alice.access_token, Buffer.from('multi'), 'text/plain', 'm.txt');
    const res = await fetch(`${origin.url}/_matrix/federation/v1/media/download/${mediaId}`);
    const type = res.headers.get('content-type')!;
    const boundary = /boundary=(\S+)/.exec(type)![1];
    expect(type).toMatch(/^multipart\/mixed/);
    const body = await res.text();
    expect(body).toBe(
      `--${boundary}\r\nContent-Type: application/json\r\n\r\n{}\r\n` +
        `--${boundary}\r\nContent-Type: text/plain\r\nContent-Disposition: inline; filename="m.txt"\r\n\r\nmulti\r\n--${boundary}--\r\n`,
    );
  });

  test('a Location part is followed to where the origin keeps the media', async () => {
    const redirecting: RemoteMediaTransport = {
      signedGet: async () => ({
        status: 200,
        headers: { 'content-type': 'multipart/mixed; boundary=b0' },
        body: Buffer.from(`--b0\r\nContent-Type: application/json\r\n\r\n{}\r\n--b0\r\nLocation: ${redirectUrl}\r\n\r\n\r\n--b0--\r\n`),
      }),
      fetchUrl: async (url) => rawAnswer(await fetch(url)),
    };
    const viaRedirect = await startMediaTestServer('postgres', {}, { remote: redirecting });
    try {
      const carol = await viaRedirect.createUser('carol');
      const reply = await binaryRequest(viaRedirect, 'GET', authed('/download/elsewhere.test/abcdefgh'), { token: carol.access_token });
      expect(reply.status).toBe(200);
      expect(reply.bytes.toString()).toBe('redirected bytes');
      expect(reply.headers.get('content-disposition')).toContain('moved.txt');
    } finally {
      await viaRedirect.close();
    }
  });
});
