/**
 * The client-api test server with the media router mounted beside the client
 * API (as apps/homeserver mounts it), over a fresh media store in a temp directory.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Router, type RequestHandler } from 'express';
import type { HomeserverConfig } from '@lattice/core';
import { MediaRepository, federationMediaRouter, mediaRouter, type MediaRouterOptions } from '@lattice/media';
import { startTestServer, type DbKind, type TestServer } from '../../../client-api/test/support/test-server.js';

export const MAX_UPLOAD_SIZE = 1024 * 1024;

export interface MediaTestServer extends TestServer {
  /** The media store root; its parent holds files the server must never serve. */
  storePath: string;
  /** Every file under the media store, relative to it. */
  storedFiles(): Promise<string[]>;
}

/** Every file under `root`, relative to it (none when it does not exist). */
export async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(root.length + 1));
}

export async function startMediaTestServer(
  kind: DbKind,
  config: Partial<HomeserverConfig> = {},
  options: MediaRouterOptions & { federationAuth?: RequestHandler } = {},
): Promise<MediaTestServer> {
  const sandbox = await mkdtemp(join(tmpdir(), 'lattice-media-'));
  const storePath = join(sandbox, 'store');
  const late = Router();
  const hs = await startTestServer(kind, { app: { routers: [late] }, config: {
      media_store_path: storePath,
      max_upload_size: MAX_UPLOAD_SIZE,
      // Background thumbnail generation would race the tests that compare the store's files; it has its own test.
      thumbnail_sizes: [],
      ...config,
    },
  });
  const repo = MediaRepository.fromConfig(hs.ctx.db, hs.ctx.config);
  late.use(mediaRouter(hs.ctx, repo, options));
  if (options.federationAuth) late.use(federationMediaRouter(hs.ctx, repo, [options.federationAuth]));
  return {
    ...hs,
    storePath,
    storedFiles: () => filesUnder(storePath),
    close: async () => {
      await hs.close();
      await rm(sandbox, { recursive: true, force: true });
    },
  };
}

export interface BinaryReply {
  status: number;
  headers: Headers;
  bytes: Buffer;
  json: () => Record<string, unknown>;
}

/** A request whose answer is kept as bytes (media) rather than parsed as JSON. */
export async function binaryRequest(
  hs: TestServer,
  method: string,
  path: string,
  opts: { token?: string; body?: RequestInit['body']; headers?: Record<string, string> } = {},
): Promise<BinaryReply> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token !== undefined) headers.Authorization = `Bearer ${opts.token}`;
  const init: RequestInit & { duplex?: 'half' } = { method, headers, body: opts.body };
  if (opts.body instanceof ReadableStream) init.duplex = 'half';
  const res = await fetch(hs.url + path, init);
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, bytes, json: () => JSON.parse(bytes.toString('utf8')) as Record<string, unknown> };
}

/** POST /_matrix/media/v3/upload; returns the media id of the new mxc:// URI. */
export async function upload(hs: TestServer, token: string, data: Buffer, contentType: string, filename?: string): Promise<string> {
  const query = filename === undefined ? '' : `?filename=${encodeURIComponent(filename)}`;
  const reply = await binaryRequest(hs, 'POST', `/_matrix/media/v3/upload${query}`, {
    token,
    body: data,
    headers: { 'Content-Type': contentType },
  });
  if (reply.status !== 200) throw new Error(`upload failed: ${reply.status} ${reply.bytes.toString()}`);
  const uri = reply.json().content_uri as string;
  return uri.slice(uri.lastIndexOf('/') + 1);
}
