/**
 * Media of other servers (spec "Content repository", federation
 * /media/download and /media/thumbnail since v1.11): fetched once over
 * federation, written to the store and recorded, then served from disk like
 * local media. Concurrent requests for the same media share one fetch. A
 * server without the authenticated federation endpoints is asked through its
 * legacy /_matrix/media/v3 endpoints, as Synapse does.
 */
import { Errors, MatrixError } from '@lattice/core';
import type { Database } from '@lattice/storage';
import { commitFile, removeQuietly, writeTempFile } from '../store/file-writer.js';
import type { MediaPaths } from '../store/media-paths.js';
import { thumbnailKey, type ThumbnailRequest } from '../thumbnails/thumbnail-size.js';
import { dispositionFilename } from './content-disposition.js';
import { boundaryOf, parseMultipart } from './multipart.js';
import { findRemoteMedia, findRemoteThumbnail, insertRemoteMedia, insertRemoteThumbnail } from './remote-media-rows.js';
import type { RawAnswer, RemoteMediaTransport } from './remote-media-transport.js';

/** Remote media as served: where the bytes are and how to describe them. */
export interface RemoteContent {
  path: string;
  contentType: string;
  uploadName: string | null;
}

interface Fetched {
  contentType: string;
  uploadName: string | null;
  bytes: Buffer;
}

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
/** How long a remote server may take beyond the client's timeout_ms. */
const NETWORK_GRACE_MS = 10_000;

export class RemoteMediaCache {
  private readonly inFlight = new Map<string, Promise<RemoteContent>>();

  constructor(
    private readonly db: Database,
    private readonly paths: MediaPaths,
    private readonly transport: RemoteMediaTransport,
    private readonly maxBytes: number,
  ) {}

  /** The media, from the cache or fetched from its origin (404 when the origin has none). */
  async download(origin: string, mediaId: string, timeoutMs: number): Promise<RemoteContent> {
    const cached = await findRemoteMedia(this.db, origin, mediaId);
    if (cached?.quarantinedBy) throw Errors.notFound('Unknown media ID');
    if (cached) return { path: this.paths.remoteContent(origin, mediaId), contentType: cached.contentType, uploadName: cached.uploadName };
    return this.once(`d|${origin}|${mediaId}`, async () => {
      const fetched = await this.fetch(origin, `download/${encodeURIComponent(mediaId)}`, `timeout_ms=${timeoutMs}`, timeoutMs);
      const path = this.paths.remoteContent(origin, mediaId);
      await this.store(path, fetched.bytes);
      const media = { contentType: fetched.contentType, uploadName: fetched.uploadName, length: fetched.bytes.length };
      await insertRemoteMedia(this.db, origin, mediaId, media, Date.now());
      return { path, contentType: media.contentType, uploadName: media.uploadName };
    });
  }

  /** A thumbnail made by the origin server, cached per normalised size. */
  async thumbnail(origin: string, mediaId: string, req: ThumbnailRequest, timeoutMs: number): Promise<RemoteContent> {
    if ((await findRemoteMedia(this.db, origin, mediaId))?.quarantinedBy) throw Errors.notFound('Unknown media ID');
    const key = thumbnailKey(req);
    const path = this.paths.remoteThumbnail(origin, mediaId, key);
    const cachedType = await findRemoteThumbnail(this.db, origin, mediaId, key);
    if (cachedType !== undefined) return { path, contentType: cachedType, uploadName: null };
    return this.once(`t|${origin}|${mediaId}|${key.width}|${key.height}|${key.method}|${key.animated}`, async () => {
      const query = new URLSearchParams({ width: String(key.width), height: String(key.height), method: key.method, timeout_ms: String(timeoutMs) });
      if (req.animated !== undefined) query.set('animated', String(req.animated));
      const fetched = await this.fetch(origin, `thumbnail/${encodeURIComponent(mediaId)}`, query.toString(), timeoutMs);
      await this.store(path, fetched.bytes);
      await insertRemoteThumbnail(this.db, origin, mediaId, key, { contentType: fetched.contentType, length: fetched.bytes.length }, Date.now());
      return { path, contentType: fetched.contentType, uploadName: null };
    });
  }

  /** Cached media only (the unauthenticated legacy endpoints never fetch remote media). */
  async cachedDownload(origin: string, mediaId: string): Promise<RemoteContent | undefined> {
    const cached = await findRemoteMedia(this.db, origin, mediaId);
    if (cached?.quarantinedBy) return undefined;
    return cached && { path: this.paths.remoteContent(origin, mediaId), contentType: cached.contentType, uploadName: cached.uploadName };
  }

  private once(key: string, fetch: () => Promise<RemoteContent>): Promise<RemoteContent> {
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = fetch().finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async fetch(origin: string, endpoint: string, query: string, timeoutMs: number): Promise<Fetched> {
    const limits = { maxBytes: this.maxBytes + 64 * 1024, timeoutMs: timeoutMs + NETWORK_GRACE_MS };
    let answer: RawAnswer;
    try {
      answer = await this.transport.signedGet(origin, `/_matrix/federation/v1/media/${endpoint}?${query}`, limits);
      if (answer.status === 404 && errcodeOf(answer) === 'M_UNRECOGNIZED') {
        // A server from before authenticated media (spec v1.11): its legacy endpoint, never fetching further itself.
        const legacy = endpoint.replace(/^(download|thumbnail)\//, `$1/${encodeURIComponent(origin)}/`);
        answer = await this.transport.signedGet(origin, `/_matrix/media/v3/${legacy}?${query}&allow_remote=false`, limits);
        return this.single(answer);
      }
    } catch (err) {
      if (err instanceof MatrixError) throw err;
      throw unreachable(origin, err);
    }
    return this.multipart(answer, limits);
  }

  private async multipart(answer: RawAnswer, limits: { maxBytes: number; timeoutMs: number }): Promise<Fetched> {
    failOnError(answer);
    const boundary = boundaryOf(answer.headers['content-type']);
    const parts = boundary === undefined ? undefined : parseMultipart(answer.body, boundary);
    if (!parts || parts.length !== 2 || !parts[0]!.headers['content-type']?.startsWith('application/json')) {
      throw new MatrixError(502, 'M_UNKNOWN', 'The remote server answered with malformed media');
    }
    const media = parts[1]!;
    const location = media.headers['location'];
    if (location !== undefined) {
      let redirected: RawAnswer;
      try {
        redirected = await this.transport.fetchUrl(location, limits);
      } catch (err) {
        throw unreachable(location, err);
      }
      return this.single(redirected);
    }
    return this.described(media.headers, media.body);
  }

  private single(answer: RawAnswer): Fetched {
    failOnError(answer);
    return this.described(answer.headers, answer.body);
  }

  private described(headers: Record<string, string | undefined>, bytes: Buffer): Fetched {
    if (bytes.length > this.maxBytes) throw new MatrixError(502, 'M_TOO_LARGE', 'The remote media is larger than this server accepts');
    return {
      contentType: headers['content-type'] || DEFAULT_CONTENT_TYPE,
      uploadName: dispositionFilename(headers['content-disposition']) ?? null,
      bytes,
    };
  }

  private async store(path: string, bytes: Buffer): Promise<void> {
    const tmp = this.paths.tempFile();
    try {
      await writeTempFile(tmp, bytes);
    } catch (err) {
      await removeQuietly(tmp);
      throw err;
    }
    // false (EEXIST): another replica cached it first; its file is as good as ours.
    await commitFile(tmp, path);
  }
}

function errcodeOf(answer: RawAnswer): string | undefined {
  try {
    const json = JSON.parse(answer.body.toString('utf8')) as { errcode?: unknown };
    return typeof json.errcode === 'string' ? json.errcode : undefined;
  } catch {
    return undefined;
  }
}

/** Maps the origin's error answers to ours: its 404 is our 404, its 504 our 504, anything else a 502. */
function failOnError(answer: RawAnswer): void {
  if (answer.status >= 200 && answer.status < 300) return;
  if (answer.status === 404) throw Errors.notFound('Unknown media ID');
  if (answer.status === 504) throw new MatrixError(504, 'M_NOT_YET_UPLOADED', 'The remote media has not been uploaded yet');
  if (answer.status === 502 && errcodeOf(answer) === 'M_TOO_LARGE') {
    throw new MatrixError(502, 'M_TOO_LARGE', 'The remote media is too large to serve');
  }
  throw new MatrixError(502, 'M_UNKNOWN', `The remote server answered ${answer.status}`);
}

function unreachable(where: string, err: unknown): MatrixError {
  const detail = err instanceof Error ? err.message : String(err);
  return new MatrixError(502, 'M_UNKNOWN', `Could not fetch remote media from ${where}: ${detail}`);
}
