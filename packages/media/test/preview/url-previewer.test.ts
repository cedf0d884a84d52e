import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_IP_RANGE_BLACKLIST, MatrixError, createLogger } from '@lattice/core';
import { createTestDatabase, type Database } from '@lattice/storage';
import sharp from 'sharp';
import { MediaRepository } from '../../src/media-repository.js';
import { UrlPreviewer, type UrlPreviewerOptions } from '../../src/preview/url-previewer.js';
import { startLoopbackServer, type LoopbackServer } from '../../../core/test/outbound/loopback-server.js';

let db: Database;
let dir: string;
let media: MediaRepository;
let server: LoopbackServer;
let png: Buffer;

const OG_PAGE = `<html><head><title>Fallback</title>
  <meta property="og:title" content="Lattice &amp; friends">
  <meta property="og:description" content="A preview test">
  <meta property="og:site_name" content="Loopback">
  <meta property="og:image" content="/logo.png">
</head><body>hi</body></html>`;

beforeAll(async () => {
  db = await createTestDatabase('pglite');
  dir = await mkdtemp(join(tmpdir(), 'lattice-preview-'));
  media = new MediaRepository(db, dir, 1024 * 1024);
  png = await sharp({ create: { width: 4, height: 3, channels: 3, background: '#c00' } }).png().toBuffer();
  server = await startLoopbackServer((req, res) => {
    if (req.url?.split('?')[0] === '/page') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(OG_PAGE);
    else if (req.url === '/logo.png') res.writeHead(200, { 'content-type': 'image/png' }).end(png);
    else if (req.url === '/to-internal') res.writeHead(302, { location: 'http://10.0.0.1/' }).end();
    else if (req.url === '/huge') res.writeHead(200, { 'content-type': 'text/html' }).end('x'.repeat(5000));
    else res.writeHead(404).end();
  });
});
afterAll(async () => {
  await server.close();
  await db.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  server.hits.length = 0;
});

function previewer(overrides: Partial<UrlPreviewerOptions> = {}): UrlPreviewer {
  return new UrlPreviewer({
    db,
    media,
    serverName: 'test.local',
    blacklist: DEFAULT_IP_RANGE_BLACKLIST,
    whitelist: ['127.0.0.1/32'],
    urlBlacklist: [],
    maxBytes: 4096,
    logger: createLogger({ level: 'fatal' }),
    resolve: async () => {
      throw new Error('tests never use real DNS');
    },
    ...overrides,
  });
}

async function errorOf(promise: Promise<unknown>): Promise<MatrixError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof MatrixError) return err;
    throw err;
  }
  throw new Error('expected a MatrixError');
}

test('previews a page: OpenGraph fields, og:image stored as local media', async () => {
  const url = `http://127.0.0.1:${server.port}/page`;
  const og = await previewer().preview(url, '@alice:test.local');
  expect(og).toEqual({
    'og:title': 'Lattice & friends',
    'og:description': 'A preview test',
    'og:site_name': 'Loopback',
    'og:image': expect.stringMatching(/^mxc:\/\/test\.local\/[A-Za-z0-9_-]+$/),
    'og:image:type': 'image/png',
    'og:image:width': 4,
    'og:image:height': 3,
    'matrix:image:size': png.length,
  });
  const mediaId = String(og['og:image']).split('/').pop()!;
  const stored = await media.awaitContent(mediaId, 0);
  expect(await readFile(stored.path)).toEqual(png);
  expect(server.hits).toEqual(['/page', '/logo.png']);

  // Served again from the database: no second fetch, even by a fresh previewer (another replica).
  server.hits.length = 0;
  expect(await previewer().preview(url, '@bob:test.local')).toEqual(og);
  expect(server.hits).toEqual([]);
});

test('concurrent requests for one URL share one fetch', async () => {
  const p = previewer();
  const url = `http://127.0.0.1:${server.port}/page?shared`;
  const [a, b] = await Promise.all([p.preview(url, '@a:test.local'), p.preview(url, '@b:test.local')]);
  expect(a).toEqual(b);
  expect(server.hits.filter((h) => h === '/page?shared')).toHaveLength(1);
});

test.each([
  ['127.0.0.1 without the whitelist', () => `http://127.0.0.1:${server.port}/page?uncached`, { whitelist: [] }],
  ['the metadata address', () => 'http://169.254.169.254/latest/meta-data/', {}],
  ['a redirect to a private address', () => `http://127.0.0.1:${server.port}/to-internal`, {}],
])('refuses %s with 403 M_FORBIDDEN', async (_name, url, overrides) => {
  const err = await errorOf(previewer(overrides).preview(url(), '@alice:test.local'));
  expect(err.status).toBe(403);
  expect(err.errcode).toBe('M_FORBIDDEN');
});

test('a URL matching url_preview_url_blacklist is refused before any fetch', async () => {
  const p = previewer({ urlBlacklist: [{ hostname: '127.0.0.1', path: '/page*' }] });
  const err = await errorOf(p.preview(`http://127.0.0.1:${server.port}/page?blocked`, '@alice:test.local'));
  expect([err.status, err.errcode]).toEqual([403, 'M_FORBIDDEN']);
  expect(server.hits).toEqual([]);
});

test('a page above max_spider_size is 502 M_TOO_LARGE', async () => {
  const err = await errorOf(previewer().preview(`http://127.0.0.1:${server.port}/huge`, '@alice:test.local'));
  expect([err.status, err.errcode]).toEqual([502, 'M_TOO_LARGE']);
});

test('an upstream error status is 502', async () => {
  const err = await errorOf(previewer().preview(`http://127.0.0.1:${server.port}/missing`, '@alice:test.local'));
  expect(err.status).toBe(502);
});

test('non-http URLs are 400 M_INVALID_PARAM', async () => {
  const err = await errorOf(previewer().preview('ftp://127.0.0.1/', '@alice:test.local'));
  expect([err.status, err.errcode]).toEqual([400, 'M_INVALID_PARAM']);
});
