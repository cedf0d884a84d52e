/** Pushers (pusher.yaml) in PostgreSQL: one per (app_id, pushkey, user), owned by the device that set it. */
import type { Queryable } from '@lattice/storage';

export interface Pusher {
  userId: string;
  deviceId: string;
  appId: string;
  pushkey: string;
  kind: string;
  appDisplayName: string;
  deviceDisplayName: string;
  profileTag?: string | undefined;
  lang: string;
  data: Record<string, unknown>;
  pushkeyTs: number;
}

interface PusherRow {
  user_id: string;
  device_id: string;
  app_id: string;
  pushkey: string;
  kind: string;
  app_display_name: string;
  device_display_name: string;
  profile_tag: string | null;
  lang: string;
  data: string;
  pushkey_ts: number;
}

const COLUMNS = 'user_id, device_id, app_id, pushkey, kind, app_display_name, device_display_name, profile_tag, lang, data, pushkey_ts';

function fromRow(r: PusherRow): Pusher {
  return {
    userId: r.user_id,
    deviceId: r.device_id,
    appId: r.app_id,
    pushkey: r.pushkey,
    kind: r.kind,
    appDisplayName: r.app_display_name,
    deviceDisplayName: r.device_display_name,
    ...(r.profile_tag !== null ? { profileTag: r.profile_tag } : {}),
    lang: r.lang,
    data: JSON.parse(r.data) as Record<string, unknown>,
    pushkeyTs: Number(r.pushkey_ts),
  };
}

export async function pushersOfUser(db: Queryable, userId: string): Promise<Pusher[]> {
  const { rows } = await db.query<PusherRow>(`SELECT ${COLUMNS} FROM pushers WHERE user_id = $1 ORDER BY app_id, pushkey`, [userId]);
  return rows.map(fromRow);
}

/** The pushers of any of `userIds` (those an event notifies). */
export async function pushersOfUsers(db: Queryable, userIds: readonly string[]): Promise<Pusher[]> {
  if (userIds.length === 0) return [];
  const { rows } = await db.query<PusherRow>(`SELECT ${COLUMNS} FROM pushers WHERE user_id = ANY($1::text[])`, [userIds]);
  return rows.map(fromRow);
}

export async function getPusher(db: Queryable, userId: string, appId: string, pushkey: string): Promise<Pusher | undefined> {
  const { rows } = await db.query<PusherRow>(`SELECT ${COLUMNS} FROM pushers WHERE user_id = $1 AND app_id = $2 AND pushkey = $3`, [
    userId,
    appId,
    pushkey,
  ]);
  return rows[0] && fromRow(rows[0]);
}

/**
 * Creates or updates the user's pusher; unless `append`, the same app_id and
 * pushkey registered by other users is removed (the device changed hands).
 */
export async function setPusher(db: Queryable, pusher: Pusher, append: boolean): Promise<void> {
  await db.query(
    `INSERT INTO pushers (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (app_id, pushkey, user_id) DO UPDATE SET device_id = EXCLUDED.device_id, kind = EXCLUDED.kind,
       app_display_name = EXCLUDED.app_display_name, device_display_name = EXCLUDED.device_display_name,
       profile_tag = EXCLUDED.profile_tag, lang = EXCLUDED.lang, data = EXCLUDED.data`,
    [
      pusher.userId,
      pusher.deviceId,
      pusher.appId,
      pusher.pushkey,
      pusher.kind,
      pusher.appDisplayName,
      pusher.deviceDisplayName,
      pusher.profileTag ?? null,
      pusher.lang,
      JSON.stringify(pusher.data),
      pusher.pushkeyTs,
    ],
  );
  if (!append) {
    await db.query('DELETE FROM pushers WHERE app_id = $1 AND pushkey = $2 AND user_id <> $3', [pusher.appId, pusher.pushkey, pusher.userId]);
  }
}

export async function deletePusher(db: Queryable, userId: string, appId: string, pushkey: string): Promise<void> {
  await db.query('DELETE FROM pushers WHERE user_id = $1 AND app_id = $2 AND pushkey = $3', [userId, appId, pushkey]);
}
