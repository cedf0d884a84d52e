/**
 * Deleting stored media for the admin API: the rows go first (from then on
 * nothing serves the media), then the files: content, thumbnails and the
 * storage bucket's copy. A crash between the two leaves unreferenced files,
 * never a row without its file. Protected and quarantined media are kept by
 * the bulk deletions, as in Synapse.
 */
import { rm } from 'node:fs/promises';
import type { HomeserverConfig, Logger } from '@lattice/core';
import type { Queryable } from '@lattice/storage';
import { MediaPaths } from '../store/media-paths.js';
import { S3Storage } from '../store/s3-storage.js';

export interface OldMediaQuery {
  /** Media uploaded before this time (ms). */
  beforeTs: number;
  /** Only media larger than this many bytes. */
  sizeGt: number;
  /** Keep media in use as a user's or a room's avatar. */
  keepProfiles: boolean;
}

export class MediaDeletion {
  static fromConfig(db: Queryable, config: HomeserverConfig, logger: Logger): MediaDeletion {
    const bucket = config.media_storage_s3 ? new S3Storage(config.media_storage_s3) : undefined;
    return new MediaDeletion(db, new MediaPaths(config.media_store_path), config.server_name, logger, bucket);
  }

  constructor(
    private readonly db: Queryable,
    private readonly paths: MediaPaths,
    /** Local mxc:// URIs name this server. */
    private readonly serverName: string,
    private readonly logger: Logger,
    private readonly bucket?: S3Storage,
  ) {}

  /** Deletes these local media; returns the ids that existed. */
  async deleteLocal(mediaIds: readonly string[]): Promise<string[]> {
    if (mediaIds.length === 0) return [];
    const { rows } = await this.db.query<{ media_id: string }>('DELETE FROM local_media WHERE media_id = ANY($1::text[]) RETURNING media_id', [
      mediaIds,
    ]);
    const deleted = rows.map((r) => r.media_id);
    for (const mediaId of deleted) await this.removeLocalFiles(mediaId);
    return deleted;
  }

  /** POST /_synapse/admin/v1/media/delete: local uploads older and larger than asked, not protected or quarantined. */
  async deleteOldLocal(query: OldMediaQuery): Promise<string[]> {
    const { rows } = await this.db.query<{ media_id: string }>(
      `WITH avatars AS (
         SELECT avatar_url AS uri FROM profiles WHERE avatar_url IS NOT NULL
         UNION
         SELECT (event_jsonb(e.json) -> 'content' ->> 'url') AS uri
           FROM current_state_events c JOIN events e ON e.event_id = c.event_id
          WHERE c.type = 'm.room.avatar' AND c.state_key = ''
       )
       SELECT media_id FROM local_media
        WHERE upload_ts IS NOT NULL AND upload_ts < $1 AND media_length > $2
          AND NOT safe_from_quarantine AND quarantined_by IS NULL
          AND (NOT $3 OR ('mxc://' || $4 || '/' || media_id) NOT IN (SELECT uri FROM avatars WHERE uri IS NOT NULL))`,
      [query.beforeTs, query.sizeGt, query.keepProfiles, this.serverName],
    );
    return this.deleteLocal(rows.map((r) => r.media_id));
  }

  /** POST /_synapse/admin/v1/purge_media_cache: other servers' media cached before `beforeTs` (quarantined kept); returns how many. */
  async purgeRemoteCache(beforeTs: number): Promise<number> {
    const { rows } = await this.db.query<{ media_origin: string; media_id: string }>(
      'DELETE FROM remote_media_cache WHERE created_ts < $1 AND quarantined_by IS NULL RETURNING media_origin, media_id',
      [beforeTs],
    );
    for (const { media_origin: origin, media_id: mediaId } of rows) {
      await this.db.query('DELETE FROM remote_media_thumbnails WHERE media_origin = $1 AND media_id = $2', [origin, mediaId]);
      await this.removeQuietly(this.paths.remoteContent(origin, mediaId));
      await this.removeQuietly(this.paths.remoteThumbnails(origin, mediaId));
    }
    return rows.length;
  }

  private async removeLocalFiles(mediaId: string): Promise<void> {
    const content = this.paths.localContent(mediaId);
    await this.removeQuietly(content);
    await this.removeQuietly(this.paths.localThumbnails(mediaId));
    try {
      await this.bucket?.delete(this.paths.relative(content));
    } catch (err) {
      this.logger.warn({ err, mediaId }, 'could not delete media from the storage bucket');
    }
  }

  private async removeQuietly(path: string): Promise<void> {
    try {
      await rm(path, { recursive: true, force: true });
    } catch (err) {
      this.logger.warn({ err, path }, 'could not remove a media file');
    }
  }
}
