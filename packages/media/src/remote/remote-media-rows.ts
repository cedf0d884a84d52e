/** The remote_media_cache and remote_media_thumbnails tables: media fetched from other servers. */
import type { Queryable } from '@lattice/storage';
import type { ThumbnailKey } from '../store/media-paths.js';

export interface CachedRemoteMedia {
  contentType: string;
  uploadName: string | null;
  length: number;
  /** Set by an admin's quarantine: never served while set. */
  quarantinedBy?: string | null;
}

interface Row {
  content_type: string;
  upload_name: string | null;
  media_length: number;
  quarantined_by: string | null;
}

export async function findRemoteMedia(db: Queryable, origin: string, mediaId: string): Promise<CachedRemoteMedia | undefined> {
  const { rows } = await db.query<Row>(
    'SELECT content_type, upload_name, media_length, quarantined_by FROM remote_media_cache WHERE media_origin = $1 AND media_id = $2',
    [origin, mediaId],
  );
  const row = rows[0];
  return row && { contentType: row.content_type, uploadName: row.upload_name, length: Number(row.media_length), quarantinedBy: row.quarantined_by };
}

export async function insertRemoteMedia(db: Queryable, origin: string, mediaId: string, media: CachedRemoteMedia, now: number): Promise<void> {
  await db.query(
    `INSERT INTO remote_media_cache (media_origin, media_id, content_type, upload_name, media_length, created_ts)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
    [origin, mediaId, media.contentType, media.uploadName, media.length, now],
  );
}

export async function findRemoteThumbnail(db: Queryable, origin: string, mediaId: string, key: ThumbnailKey): Promise<string | undefined> {
  const { rows } = await db.query<{ content_type: string }>(
    `SELECT content_type FROM remote_media_thumbnails
      WHERE media_origin = $1 AND media_id = $2 AND width = $3 AND height = $4 AND method = $5 AND animated = $6`,
    [origin, mediaId, key.width, key.height, key.method, key.animated],
  );
  return rows[0]?.content_type;
}

export async function insertRemoteThumbnail(
  db: Queryable,
  origin: string,
  mediaId: string,
  key: ThumbnailKey,
  thumb: { contentType: string; length: number },
  now: number,
): Promise<void> {
  await db.query(
    `INSERT INTO remote_media_thumbnails (media_origin, media_id, width, height, method, animated, content_type, media_length, created_ts)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
    [origin, mediaId, key.width, key.height, key.method, key.animated, thumb.contentType, thumb.length, now],
  );
}
