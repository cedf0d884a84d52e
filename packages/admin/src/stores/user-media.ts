/**
 * The media a local user uploaded (local_media), in Synapse's admin shape,
 * by offset pages. Access times are not recorded here, so last_access_ts is null.
 */
import type { Queryable } from '@lattice/storage';

export interface UserMedia {
  media_id: string;
  media_type: string | null;
  media_length: number | null;
  upload_name: string | null;
  created_ts: number;
  last_access_ts: null;
  quarantined_by: string | null;
  safe_from_quarantine: boolean;
}

export const USER_MEDIA_ORDERS = [
  'media_id',
  'upload_name',
  'created_ts',
  'last_access_ts',
  'media_length',
  'media_type',
  'quarantined_by',
  'safe_from_quarantine',
] as const;
export type UserMediaOrder = (typeof USER_MEDIA_ORDERS)[number];

// Column names come from this fixed map; with no access times, that order is the media id's.
const ORDER_COLUMN: Record<UserMediaOrder, string> = {
  media_id: 'media_id',
  upload_name: 'upload_name',
  created_ts: 'created_ts',
  last_access_ts: 'media_id',
  media_length: 'media_length',
  media_type: 'content_type',
  quarantined_by: 'quarantined_by',
  safe_from_quarantine: 'safe_from_quarantine',
};

interface MediaRow {
  media_id: string;
  content_type: string | null;
  media_length: string | number | null;
  upload_name: string | null;
  created_ts: string | number;
  quarantined_by: string | null;
  safe_from_quarantine: boolean;
}

export async function listUserMedia(
  db: Queryable,
  userId: string,
  page: { from: number; limit: number; orderBy: UserMediaOrder; backwards: boolean },
): Promise<{ media: UserMedia[]; total: number }> {
  const { rows: counted } = await db.query<{ total: number }>('SELECT count(*) AS total FROM local_media WHERE user_id = $1', [userId]);
  const column = ORDER_COLUMN[page.orderBy];
  // Ties go by ascending media id, as in Synapse.
  const order = column === 'media_id' ? `media_id ${page.backwards ? 'DESC' : 'ASC'}` : `${column} ${page.backwards ? 'DESC' : 'ASC'}, media_id ASC`;
  const { rows } = await db.query<MediaRow>(
    `SELECT media_id, content_type, media_length, upload_name, created_ts, quarantined_by, safe_from_quarantine
     FROM local_media WHERE user_id = $1 ORDER BY ${order} LIMIT $2 OFFSET $3`,
    [userId, page.limit, page.from],
  );
  const media = rows.map((r) => ({
    media_id: r.media_id,
    media_type: r.content_type,
    media_length: r.media_length === null ? null : Number(r.media_length),
    upload_name: r.upload_name,
    created_ts: Number(r.created_ts),
    last_access_ts: null,
    quarantined_by: r.quarantined_by,
    safe_from_quarantine: r.safe_from_quarantine,
  }));
  return { media, total: Number(counted[0]!.total) };
}
