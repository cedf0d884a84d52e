/** local_media and local_media_thumbnails rows (migrations/0008_media.sql). */
import type { Queryable } from '@lattice/storage';
import type { ThumbnailKey } from './media-paths.js';

export interface LocalMedia {
  mediaId: string;
  userId: string;
  createdTs: number;
  unusedExpiresTs: number | null;
  /** null while a /create reservation waits for its content. */
  uploadTs: number | null;
  contentType: string | null;
  uploadName: string | null;
  length: number | null;
  /** The admin who quarantined it (never served while set). */
  quarantinedBy: string | null;
  /** Protected by an admin from quarantine and bulk deletion. */
  safeFromQuarantine: boolean;
}

export interface StoredContent {
  contentType: string;
  uploadName: string | undefined;
  length: number;
}

interface MediaRow {
  media_id: string;
  user_id: string;
  created_ts: number;
  unused_expires_ts: number | null;
  upload_ts: number | null;
  content_type: string | null;
  upload_name: string | null;
  media_length: number | null;
  quarantined_by: string | null;
  safe_from_quarantine: boolean;
}

export async function findLocalMedia(db: Queryable, mediaId: string): Promise<LocalMedia | undefined> {
  const { rows } = await db.query<MediaRow>('SELECT * FROM local_media WHERE media_id = $1', [mediaId]);
  const r = rows[0];
  if (!r) return undefined;
  return {
    mediaId: r.media_id,
    userId: r.user_id,
    createdTs: r.created_ts,
    unusedExpiresTs: r.unused_expires_ts,
    uploadTs: r.upload_ts,
    contentType: r.content_type,
    uploadName: r.upload_name,
    length: r.media_length,
    quarantinedBy: r.quarantined_by,
    safeFromQuarantine: r.safe_from_quarantine,
  };
}

/** A finished direct upload (the file is already in place). */
export async function insertUploadedMedia(db: Queryable, mediaId: string, userId: string, content: StoredContent, ts: number): Promise<void> {
  await db.query(
    `INSERT INTO local_media (media_id, user_id, created_ts, upload_ts, content_type, upload_name, media_length)
     VALUES ($1, $2, $3, $3, $4, $5, $6)`,
    [mediaId, userId, ts, content.contentType, content.uploadName ?? null, content.length],
  );
}

/** A /create reservation. */
export async function insertPendingMedia(db: Queryable, mediaId: string, userId: string, ts: number, expiresTs: number): Promise<void> {
  await db.query('INSERT INTO local_media (media_id, user_id, created_ts, unused_expires_ts) VALUES ($1, $2, $3, $4)', [
    mediaId,
    userId,
    ts,
    expiresTs,
  ]);
}

/** Records the content of a reservation; false if it already had content. */
export async function markUploaded(db: Queryable, mediaId: string, content: StoredContent, ts: number): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE local_media SET upload_ts = $2, content_type = $3, upload_name = $4, media_length = $5, unused_expires_ts = NULL
     WHERE media_id = $1 AND upload_ts IS NULL`,
    [mediaId, ts, content.contentType, content.uploadName ?? null, content.length],
  );
  return rowCount > 0;
}

/** Drops the user's expired reservations and counts the live ones. */
export async function countPendingUploads(db: Queryable, userId: string, now: number): Promise<number> {
  await db.query('DELETE FROM local_media WHERE user_id = $1 AND upload_ts IS NULL AND unused_expires_ts <= $2', [userId, now]);
  const { rows } = await db.query<{ n: number }>('SELECT count(*) AS n FROM local_media WHERE user_id = $1 AND upload_ts IS NULL', [
    userId,
  ]);
  return rows[0]?.n ?? 0;
}

export interface StoredThumbnail {
  contentType: string;
  length: number;
}

export async function findThumbnail(db: Queryable, mediaId: string, key: ThumbnailKey): Promise<StoredThumbnail | undefined> {
  const { rows } = await db.query<{ content_type: string; media_length: number }>(
    `SELECT content_type, media_length FROM local_media_thumbnails
     WHERE media_id = $1 AND width = $2 AND height = $3 AND method = $4 AND animated = $5`,
    [mediaId, key.width, key.height, key.method, key.animated],
  );
  const r = rows[0];
  return r ? { contentType: r.content_type, length: r.media_length } : undefined;
}

export async function insertThumbnail(db: Queryable, mediaId: string, key: ThumbnailKey, thumb: StoredThumbnail): Promise<void> {
  await db.query(
    `INSERT INTO local_media_thumbnails (media_id, width, height, method, animated, content_type, media_length)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
    [mediaId, key.width, key.height, key.method, key.animated, thumb.contentType, thumb.length],
  );
}

/** Bytes the user uploaded at or after `sinceTs` (quota accounting). */
export async function uploadedBytesSince(db: Queryable, userId: string, sinceTs: number): Promise<number> {
  const { rows } = await db.query<{ total: number | string | null }>(
    'SELECT SUM(media_length)::int8 AS total FROM local_media WHERE user_id = $1 AND upload_ts >= $2',
    [userId, sinceTs],
  );
  return Number(rows[0]?.total ?? 0);
}
