/** The devices table. Deleting a device deletes its access and refresh tokens (foreign keys). */
import type { Queryable } from '@lattice/storage';
import { nullableNumber } from './row-values.js';

export interface DeviceRecord {
  deviceId: string;
  displayName: string | null;
  lastSeenTs: number | null;
  lastSeenIp: string | null;
  lastSeenUserAgent: string | null;
}

interface DeviceRow {
  device_id: string;
  display_name: string | null;
  last_seen_ts: string | number | null;
  last_seen_ip: string | null;
  last_seen_user_agent: string | null;
}

const COLUMNS = 'device_id, display_name, last_seen_ts, last_seen_ip, last_seen_user_agent';

function toRecord(row: DeviceRow): DeviceRecord {
  return {
    deviceId: row.device_id,
    displayName: row.display_name,
    lastSeenTs: nullableNumber(row.last_seen_ts),
    lastSeenIp: row.last_seen_ip,
    lastSeenUserAgent: row.last_seen_user_agent,
  };
}

/** Creates the device unless it exists; returns whether it was created. */
export async function ensureDevice(
  db: Queryable,
  userId: string,
  deviceId: string,
  displayName: string | null,
  now = Date.now(),
): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO devices (user_id, device_id, display_name, created_ts) VALUES ($1, $2, $3, $4)
     ON CONFLICT (user_id, device_id) DO NOTHING`,
    [userId, deviceId, displayName, now],
  );
  return rowCount > 0;
}

export async function getDevice(db: Queryable, userId: string, deviceId: string): Promise<DeviceRecord | undefined> {
  const { rows } = await db.query<DeviceRow>(`SELECT ${COLUMNS} FROM devices WHERE user_id = $1 AND device_id = $2`, [userId, deviceId]);
  return rows[0] && toRecord(rows[0]);
}

export async function listDevices(db: Queryable, userId: string): Promise<DeviceRecord[]> {
  const { rows } = await db.query<DeviceRow>(`SELECT ${COLUMNS} FROM devices WHERE user_id = $1 ORDER BY device_id`, [userId]);
  return rows.map(toRecord);
}

/** Renames a device; false if the user has no such device. */
export async function setDeviceDisplayName(db: Queryable, userId: string, deviceId: string, displayName: string): Promise<boolean> {
  const { rowCount } = await db.query('UPDATE devices SET display_name = $3 WHERE user_id = $1 AND device_id = $2', [
    userId,
    deviceId,
    displayName,
  ]);
  return rowCount > 0;
}

/** Returns the ids of the devices that existed and were deleted. */
export async function deleteDevices(db: Queryable, userId: string, deviceIds: readonly string[]): Promise<string[]> {
  if (deviceIds.length === 0) return [];
  const { rows } = await db.query<{ device_id: string }>(
    'DELETE FROM devices WHERE user_id = $1 AND device_id = ANY($2::text[]) RETURNING device_id',
    [userId, deviceIds],
  );
  return rows.map((r) => r.device_id);
}

/** Deletes every device of the user except `keep` (if given); returns the ids deleted. */
export async function deleteAllDevices(db: Queryable, userId: string, keep?: string): Promise<string[]> {
  const { rows } = await db.query<{ device_id: string }>(
    'DELETE FROM devices WHERE user_id = $1 AND device_id IS DISTINCT FROM $2 RETURNING device_id',
    [userId, keep ?? null],
  );
  return rows.map((r) => r.device_id);
}

export async function recordDeviceSeen(
  db: Queryable,
  userId: string,
  deviceId: string,
  seen: { ts: number; ip: string | null; userAgent: string | null },
): Promise<void> {
  await db.query(
    `UPDATE devices SET last_seen_ts = $3, last_seen_ip = $4, last_seen_user_agent = $5
     WHERE user_id = $1 AND device_id = $2`,
    [userId, deviceId, seen.ts, seen.ip, seen.userAgent],
  );
}
