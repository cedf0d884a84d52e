/** MSC3814: at most one dehydrated device per user; it is a device like any other, plus its pickled data. */
import type { Queryable } from '@lattice/storage';

export interface DehydratedDevice {
  deviceId: string;
  deviceData: Record<string, unknown>;
}

export async function getDehydratedDevice(db: Queryable, userId: string): Promise<DehydratedDevice | undefined> {
  const { rows } = await db.query<{ device_id: string; device_data: string }>(
    'SELECT device_id, device_data FROM dehydrated_devices WHERE user_id = $1',
    [userId],
  );
  return rows[0] && { deviceId: rows[0].device_id, deviceData: JSON.parse(rows[0].device_data) as Record<string, unknown> };
}

export async function setDehydratedDevice(db: Queryable, userId: string, deviceId: string, deviceData: Record<string, unknown>): Promise<void> {
  await db.query(
    `INSERT INTO dehydrated_devices (user_id, device_id, device_data) VALUES ($1, $2, $3)
     ON CONFLICT (user_id) DO UPDATE SET device_id = EXCLUDED.device_id, device_data = EXCLUDED.device_data`,
    [userId, deviceId, JSON.stringify(deviceData)],
  );
}
