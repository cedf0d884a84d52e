/**
 * Remote media across two federating Lattice servers, each started as
 * `npm start` runs it, with its federation listener on TLS: a user of server B
 * downloads an image uploaded on server A, and a thumbnail of it, through B's
 * authenticated media endpoints. B fetches them from A's federation media
 * endpoints with X-Matrix-signed requests (A checks B's keys) and caches them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { RunningHomeserver } from '../support/homeserver-process.js';
import { FederatingHomeservers } from '../support/federating-homeservers.js';
import { createTestCa, type TestCa } from '../../packages/federation/test/support/test-ca.js';

let workdir: string;
let ca: TestCa;
let fleet: FederatingHomeservers;

async function register(hs: RunningHomeserver, username: string): Promise<string> {
  const body = { username, password: 'a long test password', auth: { type: 'm.login.dummy' } };
  let res = await fetch(`${hs.url}/_matrix/client/v3/register`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status === 401) {
    const { session } = (await res.json()) as { session: string };
    res = await fetch(`${hs.url}/_matrix/client/v3/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...body, auth: { type: 'm.login.dummy', session } }),
    });
  }
  const json = (await res.json()) as { access_token?: string };
  if (!json.access_token) throw new Error(`registration failed: ${res.status} ${JSON.stringify(json)}`);
  return json.access_token;
}

beforeAll(async () => {
  workdir = await mkdtemp(path.join(os.tmpdir(), 'lattice-fed-media-'));
  ca = createTestCa();
  fleet = new FederatingHomeservers(workdir, ca);
}, 60_000);

afterAll(async () => {
  await fleet?.stopAll();
  ca?.remove();
  await rm(workdir, { recursive: true, force: true });
});

test('a user of one server downloads media and a thumbnail uploaded on another', async () => {
  const [a, b] = await Promise.all([fleet.start('a'), fleet.start('b')]);
  const [alice, bob] = await Promise.all([register(a.hs, 'alice'), register(b.hs, 'bob')]);
  const png = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#208040' } }).png().toBuffer();
  const uploaded = await fetch(`${a.hs.url}/_matrix/media/v3/upload?filename=field.png`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${alice}`, 'Content-Type': 'image/png' },
    body: png,
  });
  const { content_uri } = (await uploaded.json()) as { content_uri: string };
  expect(content_uri.startsWith(`mxc://${a.name}/`)).toBe(true);
  const mediaId = content_uri.slice(content_uri.lastIndexOf('/') + 1);

  const download = await fetch(`${b.hs.url}/_matrix/client/v1/media/download/${a.name}/${mediaId}`, { headers: { Authorization: `Bearer ${bob}` } });
  expect(download.status).toBe(200);
  expect(download.headers.get('content-type')).toBe('image/png');
  expect(download.headers.get('content-disposition')).toContain('field.png');
  expect(Buffer.from(await download.arrayBuffer()).equals(png)).toBe(true);

  const thumb = await fetch(`${b.hs.url}/_matrix/client/v1/media/thumbnail/${a.name}/${mediaId}?width=64&height=64&method=crop`, {
    headers: { Authorization: `Bearer ${bob}` },
  });
  expect(thumb.status).toBe(200);
  expect(await sharp(Buffer.from(await thumb.arrayBuffer())).metadata()).toMatchObject({ width: 64, height: 64 });

  // Unknown media on the other server: its 404 is ours.
  const missing = await fetch(`${b.hs.url}/_matrix/client/v1/media/download/${a.name}/nothingHere1`, { headers: { Authorization: `Bearer ${bob}` } });
  expect(missing.status).toBe(404);
  // A's federation media endpoint refuses requests that are not signed.
  const unsigned = await fetch(`https://127.0.0.1:${a.name.split(':')[1]}/_matrix/federation/v1/media/download/${mediaId}`).catch(() => undefined);
  if (unsigned) expect(unsigned.status).toBe(401);
}, 120_000);
