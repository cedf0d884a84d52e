/** oEmbed in URL previews: configured providers and discovery, against real loopback servers. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_IP_RANGE_BLACKLIST, createLogger } from '@lattice/core';
import { createTestDatabase, type Database } from '@lattice/storage';
import sharp from 'sharp';
import { MediaRepository } from '../../src/media-repository.js';
import { OEmbedProviders, openGraphOfOEmbed } from '../../src/preview/oembed.js';
import { UrlPreviewer } from '../../src/preview/url-previewer.js';
import { startLoopbackServer, type LoopbackServer } from '../../../core/test/outbound/loopback-server.js';

let db: Database;
let dir: string;
let server: LoopbackServer;
let base: string;
let png: Buffer;

beforeAll(async () => {
  db = await createTestDatabase('pglite');
  dir = await mkdtemp(join(tmpdir(), 'lattice-oembed-'));
  png = await sharp({ create: { width: 8, height: 6, channels: 3, background: '#0a0' } }).png().toBuffer();
  server = await startLoopbackServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/oembed') {
      const page = url.searchParams.get('url') ?? '';
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          version: '1.0',
          type: 'video',
          title: `Video at ${new URL(page).pathname}`,
          provider_name: 'LoopTube',
          thumbnail_url: `${base}/thumb.png`,
          html: '<iframe src="x"></iframe><p>Watch &amp; enjoy</p><script>ignored()</script>',
        }),
      );
    } else if (url.pathname === '/thumb.png') res.writeHead(200, { 'content-type': 'image/png' }).end(png);
    else if (url.pathname === '/discover')
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(`<html><head><meta property="og:title" content="Page title"><link rel="alternate" type="application/json+oembed" href="/oembed?url=${encodeURIComponent(`${base}/discover`)}"></head></html>`);
    else if (url.pathname.startsWith('/watch/')) res.writeHead(200, { 'content-type': 'text/html' }).end('<title>should not be fetched</title>');
    else res.writeHead(404).end();
  });
  base = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server.close();
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

function previewer(oembed?: OEmbedProviders): UrlPreviewer {
  return new UrlPreviewer({
    db,
    media: new MediaRepository(db, dir, 1024 * 1024),
    serverName: 'test.local',
    blacklist: DEFAULT_IP_RANGE_BLACKLIST,
    whitelist: ['127.0.0.1/32'],
    urlBlacklist: [],
    maxBytes: 64 * 1024,
    logger: createLogger({ level: 'fatal' }),
    resolve: async () => {
      throw new Error('tests never use real DNS');
    },
    oembed,
  });
}

test('a configured provider answers for the URLs its schemes match, without fetching the page', async () => {
  const providers = new OEmbedProviders([[{ provider_name: 'LoopTube', endpoints: [{ schemes: [`${base}/watch/*`], url: `${base}/oembed` }] }]]);
  server.hits.length = 0;
  const og = await previewer(providers).preview(`${base}/watch/abc`, '@alice:test.local');
  expect(og).toEqual({
    'og:title': 'Video at /watch/abc',
    'og:site_name': 'LoopTube',
    'og:description': 'Watch & enjoy',
    'og:image': expect.stringMatching(/^mxc:\/\/test\.local\//),
    'og:image:type': 'image/png',
    'og:image:width': 8,
    'og:image:height': 6,
    'matrix:image:size': png.length,
  });
  expect(server.hits.some((h) => h.startsWith('/watch/'))).toBe(false);
});

test('a page advertising oEmbed gets the fields its own tags lack', async () => {
  const og = await previewer().preview(`${base}/discover`, '@alice:test.local');
  expect(og['og:title']).toBe('Page title');
  expect(og['og:site_name']).toBe('LoopTube');
  expect(og['og:image']).toMatch(/^mxc:\/\/test\.local\//);
});

test('oEmbed responses map to OpenGraph; nonsense maps to nothing', () => {
  expect(openGraphOfOEmbed({ type: 'photo', url: 'https://x/p.jpg', title: ' A  photo ' })).toEqual({ 'og:title': 'A photo', 'og:image': 'https://x/p.jpg' });
  expect(openGraphOfOEmbed({ type: 'link', thumbnail_url: 'https://x/t.png' })).toEqual({ 'og:image': 'https://x/t.png' });
  expect(openGraphOfOEmbed([1, 2])).toEqual({});
  expect(openGraphOfOEmbed('text')).toEqual({});
});
