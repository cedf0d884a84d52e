/**
 * Media repository throughput over real HTTP (issue 7's benchmark), on
 * PostgreSQL: 10 MB uploads and downloads (MB/s), the process's resident memory
 * while a 200 MB upload and download stream through (it must stay flat: no
 * whole-file buffering), and thumbnails generated per second from a 1 MP JPEG.
 * Targets: upload and download ≥ 100 MB/s on loopback, ≥ 50 thumbnails/s.
 * Usage: node bench/dist/media.bench.js
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import sharp from 'sharp';
import { pino } from 'pino';
import { createClientApiApp, createRoomServices, registerAccount } from '@lattice/client-api';
import { generateSigningKey, parseConfig } from '@lattice/core';
import { mediaRouter } from '@lattice/media';
import { BENCH_RATE_LIMITS } from './lib/bench-rate-limits.js';
import { createTestDatabase } from '@lattice/storage';

const MB = 1024 * 1024;
const ROUNDS = 10;
const THUMBNAILS = 100;

const dir = await mkdtemp(path.join(os.tmpdir(), 'lattice-media-bench-'));
const db = await createTestDatabase('postgres');
const logger = pino({ level: 'silent' });
const config = parseConfig(
  `server_name: bench.local\nmedia_store_path: ${JSON.stringify(path.join(dir, 'store'))}\nmax_upload_size: 300M\n${BENCH_RATE_LIMITS}`,
  { env: {}, configDir: dir },
);
const rooms = await createRoomServices({ db, config, signingKey: generateSigningKey('b'), instanceName: 'master', logger });
const ctx = { config, db, logger, rooms };
const app = createClientApiApp(ctx, { routers: [mediaRouter(ctx)] });
const server = http.createServer(app);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const account = await registerAccount(ctx, { localpart: 'bench', password: 'bench password', session: { refreshable: false } });
const auth = { Authorization: `Bearer ${account.access_token}` };

/** Streams `bytes` generated on the fly (never held whole in memory). */
function generated(bytes: number): ReadableStream<Uint8Array> {
  const chunk = Buffer.alloc(256 * 1024, 0x5a);
  let sent = 0;
  return Readable.toWeb(
    Readable.from(
      (function* () {
        while (sent < bytes) {
          const n = Math.min(chunk.length, bytes - sent);
          sent += n;
          yield n === chunk.length ? chunk : chunk.subarray(0, n);
        }
      })(),
    ),
  ) as ReadableStream<Uint8Array>;
}

async function uploadBytes(bytes: number, contentType = 'application/octet-stream', body?: Buffer | ReadableStream<Uint8Array>): Promise<string> {
  const res = await fetch(`${base}/_matrix/media/v3/upload`, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': contentType, 'Content-Length': String(bytes) },
    body: body ?? generated(bytes),
    duplex: 'half',
  } as RequestInit);
  const json = (await res.json()) as { content_uri: string };
  if (res.status !== 200) throw new Error(`upload failed: ${res.status} ${JSON.stringify(json)}`);
  return json.content_uri.slice('mxc://'.length);
}

/** Downloads and discards the bytes as they arrive; returns the count. */
async function download(mxc: string): Promise<number> {
  const res = await fetch(`${base}/_matrix/client/v1/media/download/${mxc}`, { headers: auth });
  let n = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) n += chunk.length;
  return n;
}

function rate(bytes: number, ms: number): string {
  return `${((bytes / MB) / (ms / 1000)).toFixed(0)} MB/s`;
}

/** Peak RSS growth (MiB) while fn runs, sampled every 20 ms. */
async function peakRssGrowth(fn: () => Promise<unknown>): Promise<number> {
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  return (peak - before) / MB;
}

try {
  // Warm up the connection pool, the routes and the disk.
  await download(await uploadBytes(MB));

  let t0 = performance.now();
  const ids: string[] = [];
  for (let i = 0; i < ROUNDS; i++) ids.push(await uploadBytes(10 * MB));
  const uploadMs = performance.now() - t0;
  t0 = performance.now();
  let downloaded = 0;
  for (const id of ids) downloaded += await download(id);
  const downloadMs = performance.now() - t0;

  let bigId = '';
  const uploadGrowth = await peakRssGrowth(async () => (bigId = await uploadBytes(200 * MB)));
  const downloadGrowth = await peakRssGrowth(() => download(bigId));

  // A 1 MP JPEG of noise (worst case for the codec), thumbnailed at distinct sizes so none is served from cache.
  const noise = Buffer.alloc(1000 * 1000 * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
  const jpeg = await sharp(noise, { raw: { width: 1000, height: 1000, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
  const jpegId = await uploadBytes(jpeg.length, 'image/jpeg', jpeg);
  const thumb = (w: number) =>
    fetch(`${base}/_matrix/client/v1/media/thumbnail/${jpegId}?width=${w}&height=${w}&method=crop`, { headers: auth }).then(async (r) => {
      await r.arrayBuffer();
      if (r.status !== 200) throw new Error(`thumbnail failed: ${r.status}`);
    });
  await thumb(50);
  t0 = performance.now();
  // Two at a time: sharp works on libuv's thread pool, one per core here.
  for (let i = 0; i < THUMBNAILS; i += 2) await Promise.all([thumb(60 + i), thumb(61 + i)]);
  const thumbMs = performance.now() - t0;
  t0 = performance.now();
  for (let i = 0; i < THUMBNAILS; i++) await thumb(60 + i);
  const cachedMs = performance.now() - t0;

  console.log('media repository (HTTP, PostgreSQL)');
  console.log(`  upload 10 MB × ${ROUNDS}            ${rate(ROUNDS * 10 * MB, uploadMs)}   (target ≥ 100 MB/s)`);
  console.log(`  download 10 MB × ${ROUNDS}          ${rate(downloaded, downloadMs)}   (target ≥ 100 MB/s)`);
  console.log(`  RSS growth, 200 MB upload   ${uploadGrowth.toFixed(1)} MiB   (flat: no whole-file buffering)`);
  console.log(`  RSS growth, 200 MB download ${downloadGrowth.toFixed(1)} MiB`);
  console.log(`  thumbnails from a 1 MP JPEG ${((THUMBNAILS / thumbMs) * 1000).toFixed(0)}/s generated, ${((THUMBNAILS / cachedMs) * 1000).toFixed(0)}/s cached   (target ≥ 50/s)`);
} finally {
  server.closeAllConnections();
  server.close();
  await rooms.close();
  await db.close();
  await rm(dir, { recursive: true, force: true });
}
