/**
 * What the admin API changes about stored media (migrations/0024): quarantine
 * (never served again while set; protected media is left alone, as Synapse
 * does) and protection. Reads for the admin's media info and the mxc URIs a
 * room's events use.
 */
import type { Queryable } from '@lattice/storage';
import { parseMxc, type MediaRef } from '../mxc.js';

/** Quarantines local media (protected media excepted); returns how many rows changed. */
export async function quarantineLocalMedia(db: Queryable, mediaIds: readonly string[], by: string): Promise<number> {
  if (mediaIds.length === 0) return 0;
  const { rowCount } = await db.query(
    'UPDATE local_media SET quarantined_by = $2 WHERE media_id = ANY($1::text[]) AND NOT safe_from_quarantine',
    [mediaIds, by],
  );
  return rowCount;
}

/** Quarantines every local upload of the user (protected media excepted). */
export async function quarantineUserMedia(db: Queryable, userId: string, by: string): Promise<number> {
  const { rowCount } = await db.query('UPDATE local_media SET quarantined_by = $2 WHERE user_id = $1 AND NOT safe_from_quarantine', [userId, by]);
  return rowCount;
}

export async function quarantineRemoteMedia(db: Queryable, origin: string, mediaIds: readonly string[], by: string): Promise<number> {
  if (mediaIds.length === 0) return 0;
  const { rowCount } = await db.query(
    'UPDATE remote_media_cache SET quarantined_by = $3 WHERE media_origin = $1 AND media_id = ANY($2::text[])',
    [origin, mediaIds, by],
  );
  return rowCount;
}

export async function unquarantineMedia(db: Queryable, origin: string | undefined, mediaId: string): Promise<void> {
  if (origin === undefined) await db.query('UPDATE local_media SET quarantined_by = NULL WHERE media_id = $1', [mediaId]);
  else await db.query('UPDATE remote_media_cache SET quarantined_by = NULL WHERE media_origin = $1 AND media_id = $2', [origin, mediaId]);
}

/** Protects (or unprotects) local media; false when there is no such media. */
export async function setMediaProtected(db: Queryable, mediaId: string, safe: boolean): Promise<boolean> {
  const { rowCount } = await db.query('UPDATE local_media SET safe_from_quarantine = $2 WHERE media_id = $1', [mediaId, safe]);
  return rowCount > 0;
}

export interface RemoteMediaInfo {
  origin: string;
  mediaId: string;
  contentType: string;
  uploadName: string | null;
  length: number;
  createdTs: number;
  quarantinedBy: string | null;
}

export async function remoteMediaInfo(db: Queryable, origin: string, mediaId: string): Promise<RemoteMediaInfo | undefined> {
  const { rows } = await db.query<{
    content_type: string;
    upload_name: string | null;
    media_length: string | number;
    created_ts: string | number;
    quarantined_by: string | null;
  }>('SELECT content_type, upload_name, media_length, created_ts, quarantined_by FROM remote_media_cache WHERE media_origin = $1 AND media_id = $2', [
    origin,
    mediaId,
  ]);
  const r = rows[0];
  return (
    r && {
      origin,
      mediaId,
      contentType: r.content_type,
      uploadName: r.upload_name,
      length: Number(r.media_length),
      createdTs: Number(r.created_ts),
      quarantinedBy: r.quarantined_by,
    }
  );
}

/**
 * The media a room's events point at (content.url and content.info.thumbnail_url,
 * as Synapse reads them), redacted and rejected events aside, split into this
 * server's and other servers'.
 */
export async function mediaInRoom(db: Queryable, roomId: string, serverName: string): Promise<{ local: MediaRef[]; remote: MediaRef[] }> {
  const { rows } = await db.query<{ json: string }>(
    `SELECT json FROM events WHERE room_id = $1 AND NOT redacted AND rejected_reason IS NULL AND json LIKE '%mxc://%'
      ORDER BY stream_ordering`,
    [roomId],
  );
  const seen = new Set<string>();
  const local: MediaRef[] = [];
  const remote: MediaRef[] = [];
  for (const { json } of rows) {
    const content = (JSON.parse(json) as { content?: Record<string, unknown> }).content ?? {};
    const info = content['info'];
    const thumbnail = info !== null && typeof info === 'object' ? (info as Record<string, unknown>)['thumbnail_url'] : undefined;
    for (const uri of [content['url'], thumbnail]) {
      const ref = typeof uri === 'string' ? parseMxc(uri) : undefined;
      if (!ref || seen.has(uri as string)) continue;
      seen.add(uri as string);
      (ref.serverName === serverName ? local : remote).push(ref);
    }
  }
  return { local, remote };
}
