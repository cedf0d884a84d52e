/**
 * Local media: storing uploads (direct and /create + PUT) and finding content
 * to serve, waiting for async uploads that have not arrived yet. Every replica
 * shares the database and media_store_path, so nothing here is per-process
 * except the wake-up hint for waiters in the uploading process.
 */
import { EventEmitter } from 'node:events';
import { access } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { Errors, MatrixError, type HomeserverConfig } from '@lattice/core';
import type { Database } from '@lattice/storage';
import { newMediaId } from './mxc.js';
import { commitFile, removeQuietly, streamToTempFile } from './store/file-writer.js';
import { MediaPaths } from './store/media-paths.js';
import { S3Storage } from './store/s3-storage.js';
import { UploadQuota, type UploadLimit } from './upload-quota.js';
import {
  countPendingUploads,
  findLocalMedia,
  insertPendingMedia,
  insertUploadedMedia,
  markUploaded,
  type LocalMedia,
} from './store/media-rows.js';

/** The spec's recommended lifetime of an unused /create reservation. */
export const UNUSED_MEDIA_LIFETIME_MS = 24 * 60 * 60 * 1000;
/** Concurrent pending reservations per user before /create answers 429. */
export const MAX_PENDING_UPLOADS = 100;
/** Upper bound on timeout_ms (the spec asks servers to impose one). */
export const MAX_WAIT_MS = 60_000;
/** How often a waiter re-reads the database (uploads may land on another replica). */
const POLL_INTERVAL_MS = 500;

export interface UploadInput {
  body: Readable;
  contentType: string | undefined;
  filename: string | undefined;
}

/** Media whose bytes are on disk. */
export interface AvailableMedia extends LocalMedia {
  contentType: string;
  path: string;
}

export class MediaRepository {
  readonly paths: MediaPaths;
  private readonly uploaded = new EventEmitter();

  private readonly quota: UploadQuota;
  private readonly storedListeners: Array<(mediaId: string, contentType: string) => void> = [];

  /** The repository an operator's configuration describes (store path, size limit, quotas). */
  static fromConfig(db: Database, config: HomeserverConfig): MediaRepository {
    const s3 = config.media_storage_s3 && new S3Storage(config.media_storage_s3);
    return new MediaRepository(db, config.media_store_path, config.max_upload_size, config.media_upload_limits, s3);
  }

  constructor(
    private readonly db: Database,
    mediaStorePath: string,
    readonly maxUploadSize: number,
    uploadLimits: readonly UploadLimit[] = [],
    /** A bucket every stored upload is also put in, and missing files are fetched back from. */
    private readonly bucket?: S3Storage,
  ) {
    this.paths = new MediaPaths(mediaStorePath);
    this.quota = new UploadQuota(db, uploadLimits);
    this.uploaded.setMaxListeners(0);
  }

  /** Called after each local upload is stored (thumbnail pre-generation); runs after the upload is answered. */
  onStored(listener: (mediaId: string, contentType: string) => void): void {
    this.storedListeners.push(listener);
  }

  /** POST /upload: stores the bytes, then records them; returns the new media id. */
  async upload(userId: string, input: UploadInput): Promise<string> {
    const mediaId = newMediaId();
    const tmp = this.paths.tempFile();
    const length = await this.receive(userId, input, tmp);
    const finalPath = this.paths.localContent(mediaId);
    if (!(await commitFile(tmp, finalPath))) throw new Error(`media id collision: ${mediaId}`);
    try {
      // In the bucket before the row exists: an upload that was answered is in durable storage.
      await this.bucket?.put(this.paths.relative(finalPath), finalPath);
      await insertUploadedMedia(this.db, mediaId, userId, this.storedContent(input, length), Date.now());
    } catch (err) {
      await removeQuietly(finalPath);
      throw err;
    }
    this.announceStored(mediaId, input);
    return mediaId;
  }

  /** POST /create: reserves a media id for the user to upload to later. */
  async create(userId: string): Promise<{ mediaId: string; unusedExpiresAt: number }> {
    const now = Date.now();
    if ((await countPendingUploads(this.db, userId, now)) >= MAX_PENDING_UPLOADS) {
      throw new MatrixError(429, 'M_LIMIT_EXCEEDED', 'Too many pending media uploads');
    }
    const mediaId = newMediaId();
    const unusedExpiresAt = now + UNUSED_MEDIA_LIFETIME_MS;
    await insertPendingMedia(this.db, mediaId, userId, now, unusedExpiresAt);
    return { mediaId, unusedExpiresAt };
  }

  /** PUT /upload/{serverName}/{mediaId}: the content of a reservation, once, by its creator. */
  async uploadReserved(userId: string, mediaId: string, input: UploadInput): Promise<void> {
    const media = await findLocalMedia(this.db, mediaId);
    if (!media || isExpired(media, Date.now())) throw Errors.notFound('Unknown media ID');
    if (media.userId !== userId) throw Errors.forbidden('Only the creator of this media ID may upload to it');
    if (media.uploadTs !== null) throw cannotOverwrite();
    const tmp = this.paths.tempFile();
    const length = await this.receive(userId, input, tmp);
    // The link is the point of no return: the first writer wins, the rest are refused.
    const finalPath = this.paths.localContent(mediaId);
    if (!(await commitFile(tmp, finalPath))) throw cannotOverwrite();
    try {
      await this.bucket?.put(this.paths.relative(finalPath), finalPath);
    } catch (err) {
      // Not acknowledged: the reservation stays open for a retry.
      await removeQuietly(finalPath);
      throw err;
    }
    if (!(await markUploaded(this.db, mediaId, this.storedContent(input, length), Date.now()))) throw cannotOverwrite();
    this.uploaded.emit(mediaId);
    this.announceStored(mediaId, input);
  }

  private announceStored(mediaId: string, input: UploadInput): void {
    const contentType = input.contentType ?? 'application/octet-stream';
    setImmediate(() => {
      for (const listener of this.storedListeners) listener(mediaId, contentType);
    });
  }

  /**
   * The media's content, waiting up to waitMs for a reservation to be filled:
   * 404 M_NOT_FOUND if unknown or expired, 504 M_NOT_YET_UPLOADED after the wait.
   */
  async awaitContent(mediaId: string, waitMs: number): Promise<AvailableMedia> {
    const deadline = Date.now() + Math.min(Math.max(waitMs, 0), MAX_WAIT_MS);
    for (;;) {
      const media = await findLocalMedia(this.db, mediaId);
      const now = Date.now();
      // Quarantined media is gone as far as every client and server is concerned.
      if (!media || isExpired(media, now) || media.quarantinedBy !== null) throw Errors.notFound('Unknown media ID');
      if (media.uploadTs !== null) {
        const path = this.paths.localContent(mediaId);
        if (!(await this.ensureLocal(path))) throw Errors.notFound('Unknown media ID');
        return { ...media, contentType: media.contentType ?? 'application/octet-stream', path };
      }
      if (now >= deadline) throw new MatrixError(504, 'M_NOT_YET_UPLOADED', 'Content has not yet been uploaded');
      await this.nextUploadHint(mediaId, Math.min(POLL_INTERVAL_MS, deadline - now));
    }
  }

  /** True when the file is on this machine's disk, fetching it from the bucket if needed. */
  private async ensureLocal(path: string): Promise<boolean> {
    if (await exists(path)) return true;
    if (!this.bucket) return false;
    return this.bucket.get(this.paths.relative(path), path, this.paths.tempFile(), this.maxUploadSize);
  }

  /** Streams an upload to `tmp` within the size limit and the user's quota; returns its length. */
  private async receive(userId: string, input: UploadInput, tmp: string): Promise<number> {
    await this.quota.check(userId, 0);
    const length = await streamToTempFile(input.body, tmp, this.maxUploadSize);
    try {
      await this.quota.check(userId, length);
    } catch (err) {
      await removeQuietly(tmp);
      throw err;
    }
    return length;
  }

  private nextUploadHint(mediaId: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.uploaded.off(mediaId, done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.uploaded.once(mediaId, done);
    });
  }

  private storedContent(input: UploadInput, length: number) {
    return { contentType: input.contentType ?? 'application/octet-stream', uploadName: input.filename, length };
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

function isExpired(media: LocalMedia, now: number): boolean {
  return media.uploadTs === null && media.unusedExpiresTs !== null && media.unusedExpiresTs <= now;
}

function cannotOverwrite(): MatrixError {
  return new MatrixError(409, 'M_CANNOT_OVERWRITE_MEDIA', 'Media already uploaded');
}
