/**
 * Server-side key backups (key_backup.yaml): versions, and per version the
 * room keys by (room, session). A version's etag moves with every change of
 * its keys; the current version is the newest one not deleted.
 */
import type { Queryable } from '@lattice/storage';

export interface BackupVersion {
  version: string;
  algorithm: string;
  authData: Record<string, unknown>;
  etag: string;
  count: number;
}

export interface RoomKey {
  first_message_index: number;
  forwarded_count: number;
  is_verified: boolean;
  session_data: Record<string, unknown>;
}

export interface StoredRoomKey extends RoomKey {
  roomId: string;
  sessionId: string;
}

/** Versions are decimal strings of positive integers; anything else names no version. */
export function parseVersion(version: string): number | undefined {
  return /^[1-9][0-9]{0,15}$/.test(version) ? Number(version) : undefined;
}

export async function createBackupVersion(db: Queryable, userId: string, algorithm: string, authData: Record<string, unknown>): Promise<string> {
  const { rows } = await db.query<{ version: number | string }>(
    `INSERT INTO e2e_room_keys_versions (user_id, version, algorithm, auth_data)
     VALUES ($1, nextval('e2e_room_keys_version_seq'), $2, $3) RETURNING version`,
    [userId, algorithm, JSON.stringify(authData)],
  );
  return String(rows[0]!.version);
}

/** A live version (the current one when `version` is undefined). */
export async function getBackupVersion(db: Queryable, userId: string, version?: number): Promise<BackupVersion | undefined> {
  const { rows } = await db.query<{ version: number | string; algorithm: string; auth_data: string; etag: number | string; count: number | string }>(
    `SELECT v.version, v.algorithm, v.auth_data, v.etag,
            (SELECT count(*) FROM e2e_room_keys k WHERE k.user_id = v.user_id AND k.version = v.version) AS count
     FROM e2e_room_keys_versions v
     WHERE v.user_id = $1 AND NOT v.deleted AND ($2::bigint IS NULL OR v.version = $2)
     ORDER BY v.version DESC LIMIT 1`,
    [userId, version ?? null],
  );
  const r = rows[0];
  return (
    r && {
      version: String(r.version),
      algorithm: r.algorithm,
      authData: JSON.parse(r.auth_data) as Record<string, unknown>,
      etag: String(r.etag),
      count: Number(r.count),
    }
  );
}

export async function updateBackupAuthData(db: Queryable, userId: string, version: number, authData: Record<string, unknown>): Promise<void> {
  await db.query('UPDATE e2e_room_keys_versions SET auth_data = $3 WHERE user_id = $1 AND version = $2', [
    userId,
    version,
    JSON.stringify(authData),
  ]);
}

/** Deletes a live version and its keys; false when there was none. */
export async function deleteBackupVersion(db: Queryable, userId: string, version: number): Promise<boolean> {
  const { rowCount } = await db.query(
    'UPDATE e2e_room_keys_versions SET deleted = TRUE WHERE user_id = $1 AND version = $2 AND NOT deleted',
    [userId, version],
  );
  await db.query('DELETE FROM e2e_room_keys WHERE user_id = $1 AND version = $2', [userId, version]);
  return rowCount > 0;
}

/** The spec's rule: the verified key wins, then the lower first index, then the fewer forwards. */
export function isBetterKey(candidate: RoomKey, current: RoomKey): boolean {
  if (candidate.is_verified !== current.is_verified) return candidate.is_verified;
  if (candidate.first_message_index !== current.first_message_index) return candidate.first_message_index < current.first_message_index;
  return candidate.forwarded_count < current.forwarded_count;
}

export async function getRoomKeys(db: Queryable, userId: string, version: number, roomId?: string, sessionId?: string): Promise<StoredRoomKey[]> {
  const { rows } = await db.query<{
    room_id: string;
    session_id: string;
    first_message_index: number | string;
    forwarded_count: number | string;
    is_verified: boolean;
    session_data: string;
  }>(
    `SELECT room_id, session_id, first_message_index, forwarded_count, is_verified, session_data FROM e2e_room_keys
     WHERE user_id = $1 AND version = $2 AND ($3::text IS NULL OR room_id = $3) AND ($4::text IS NULL OR session_id = $4)`,
    [userId, version, roomId ?? null, sessionId ?? null],
  );
  return rows.map((r) => ({
    roomId: r.room_id,
    sessionId: r.session_id,
    first_message_index: Number(r.first_message_index),
    forwarded_count: Number(r.forwarded_count),
    is_verified: r.is_verified,
    session_data: JSON.parse(r.session_data) as Record<string, unknown>,
  }));
}

/** Stores the keys that are new or better than the stored ones; bumps the etag when any was. Lock the version row first. */
export async function putRoomKeys(db: Queryable, userId: string, version: number, keys: readonly StoredRoomKey[]): Promise<void> {
  if (keys.length === 0) return;
  const existing = new Map(
    (await getRoomKeys(db, userId, version)).map((k) => [`${k.roomId}\u0000${k.sessionId}`, k] as const),
  );
  const better = keys.filter((k) => {
    const current = existing.get(`${k.roomId}\u0000${k.sessionId}`);
    return current === undefined || isBetterKey(k, current);
  });
  if (better.length === 0) return;
  await db.query(
    `INSERT INTO e2e_room_keys (user_id, version, room_id, session_id, first_message_index, forwarded_count, is_verified, session_data)
     SELECT $1, $2, * FROM unnest($3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::boolean[], $8::text[])
     ON CONFLICT (user_id, version, room_id, session_id) DO UPDATE SET
       first_message_index = EXCLUDED.first_message_index, forwarded_count = EXCLUDED.forwarded_count,
       is_verified = EXCLUDED.is_verified, session_data = EXCLUDED.session_data`,
    [
      userId,
      version,
      better.map((k) => k.roomId),
      better.map((k) => k.sessionId),
      better.map((k) => k.first_message_index),
      better.map((k) => k.forwarded_count),
      better.map((k) => k.is_verified),
      better.map((k) => JSON.stringify(k.session_data)),
    ],
  );
  await bumpEtag(db, userId, version);
}

export async function deleteRoomKeys(db: Queryable, userId: string, version: number, roomId?: string, sessionId?: string): Promise<void> {
  const { rowCount } = await db.query(
    `DELETE FROM e2e_room_keys WHERE user_id = $1 AND version = $2 AND ($3::text IS NULL OR room_id = $3) AND ($4::text IS NULL OR session_id = $4)`,
    [userId, version, roomId ?? null, sessionId ?? null],
  );
  if (rowCount > 0) await bumpEtag(db, userId, version);
}

/** Locks the version row (serialising writers of its keys); false when the version is not live. */
export async function lockBackupVersion(db: Queryable, userId: string, version: number): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM e2e_room_keys_versions WHERE user_id = $1 AND version = $2 AND NOT deleted FOR UPDATE', [
    userId,
    version,
  ]);
  return rows.length > 0;
}

async function bumpEtag(db: Queryable, userId: string, version: number): Promise<void> {
  await db.query('UPDATE e2e_room_keys_versions SET etag = etag + 1 WHERE user_id = $1 AND version = $2', [userId, version]);
}
